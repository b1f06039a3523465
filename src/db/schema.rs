// One portable schema for both backends. Keep it in step with both migration trees;
// `tests/api/schema_parity.rs` checks that the trees agree.

diesel::table! {
    projects (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        summary -> Text,
        kind -> Text,
        homepage -> Nullable<Text>,
        created_at -> Timestamp,
    }
}
