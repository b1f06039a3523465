/** Copies text; falls back to selecting it (and `execCommand`) when the Clipboard API is unavailable. */
export async function copyText(text: string, fallback: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    fallback?.select();
    try {
      return document.execCommand("copy");
    } catch {
      return false;
    }
  }
}
