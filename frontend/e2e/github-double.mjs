// A local stand-in for GitHub's OAuth web flow and REST API (`/user`,
// `/user/emails`) for the browser tests, speaking GitHub's shapes.
// The web side is reached as http://localhost:<port> — another site than the
// app at http://127.0.0.1:<port> — so cookies cross a real site boundary.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";

export const CLIENT_ID = "Iv1.e2eclientid";
export const CLIENT_SECRET = "e2e-client-secret-abcdef";

function send(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(body === undefined ? "" : JSON.stringify(body));
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString("utf8");
  if ((req.headers["content-type"] ?? "").includes("json")) return JSON.parse(text || "{}");
  return Object.fromEntries(new URLSearchParams(text));
}

/**
 * Starts the double. `setUser(user)` picks who "signs in" next
 * ({ id, login, name, email, verified }); `setDeny(true)` makes the user decline.
 * `env` holds the server settings that point OpenFund at it.
 */
export async function startGithubDouble() {
  let user = null;
  let deny = false;
  const codes = new Set();
  const requests = [];

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://localhost");
    requests.push(`${req.method} ${url.pathname}`);
    try {
      if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
        if (url.searchParams.get("client_id") !== CLIENT_ID) return send(res, 404, { message: "Not Found" });
        const back = new URL(url.searchParams.get("redirect_uri"));
        back.searchParams.set("state", url.searchParams.get("state") ?? "");
        if (deny) {
          back.searchParams.set("error", "access_denied");
        } else {
          const code = `code-${randomBytes(8).toString("hex")}`;
          codes.add(code);
          back.searchParams.set("code", code);
        }
        res.writeHead(302, { location: back.href });
        return res.end();
      }
      if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
        const body = await readBody(req);
        if (body.client_id !== CLIENT_ID || body.client_secret !== CLIENT_SECRET) {
          return send(res, 200, { error: "incorrect_client_credentials" });
        }
        if (!codes.delete(body.code)) return send(res, 200, { error: "bad_verification_code" });
        return send(res, 200, { access_token: `gho_${body.code}`, token_type: "bearer", scope: "read:user,user:email" });
      }
      const auth = req.headers.authorization ?? "";
      const authorised = /^(Bearer|token) gho_/.test(auth) && user;
      if (req.method === "GET" && url.pathname === "/api/v3/user") {
        if (!authorised) return send(res, 401, { message: "Bad credentials" });
        return send(res, 200, {
          login: user.login, id: user.id, node_id: "MDQ6VXNlcjE=",
          avatar_url: "https://avatars.githubusercontent.com/u/1?v=4", gravatar_id: "",
          url: `https://api.github.com/users/${user.login}`, html_url: `https://github.com/${user.login}`,
          type: "User", site_admin: false, name: user.name, company: null, blog: "",
          location: null, email: null, hireable: null, bio: null,
          public_repos: 3, followers: 1, following: 0,
          created_at: "2015-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
        });
      }
      if (req.method === "GET" && url.pathname === "/api/v3/user/emails") {
        if (!authorised) return send(res, 401, { message: "Bad credentials" });
        return send(res, 200, [
          { email: user.email, primary: true, verified: user.verified, visibility: "private" },
          { email: `${user.id}@users.noreply.github.com`, primary: false, verified: true, visibility: null },
        ]);
      }
      return send(res, 404, { message: "Not Found" });
    } catch (err) {
      return send(res, 500, { message: String(err) });
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const port = server.address().port;
  const webUrl = `http://localhost:${port}`;
  return {
    url: webUrl,
    requests,
    env: {
      OPENFUND_GITHUB_URL: webUrl,
      OPENFUND_GITHUB_API_URL: `${webUrl}/api/v3`,
      OPENFUND_GITHUB_CLIENT_ID: CLIENT_ID,
      OPENFUND_GITHUB_CLIENT_SECRET: CLIENT_SECRET,
    },
    setUser(next) {
      user = next;
    },
    setDeny(value) {
      deny = value;
    },
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
