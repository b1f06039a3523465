//! How domain values map to columns, in one place: `text_enum!` for closed sets of
//! states and kinds stored as `TEXT`, `id_type!` for the newtype ids of each table
//! (`BIGINT`). Both implement diesel's `ToSql`/`FromSql` for every backend through
//! the plain `str`/`i64` impls, so they work through the `MultiConnection` enum too.

/// Declares an enum stored as `TEXT`, with the database and JSON spelling given once:
///
/// ```ignore
/// text_enum! {
///     /// What a job is doing.
///     pub enum JobState { Queued = "queued", Running = "running" }
/// }
/// ```
///
/// It gets `ALL`, `as_str`, `FromStr` (the database spelling), `Display`, serde with
/// the same spelling (variants are named so that snake_case gives it; a test checks),
/// and diesel `ToSql`/`FromSql` for `Text`. A stored value outside
/// the set fails to load with a deserialisation error naming the enum.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        // utoipa cannot read a `rename` whose literal comes through `macro_rules!`, so
        // JSON uses snake_case variant names; `spellings_agree` checks they match `$text`.
        #[serde(rename_all = "snake_case")]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling stored in the database and used in JSON.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Whether every value's JSON spelling is its database spelling (a test calls
            /// this for every enum declared with `text_enum!`).
            pub fn spellings_agree() -> bool {
                Self::ALL.iter().all(|v| {
                    serde_json::to_value(v).ok() == Some(serde_json::Value::from(v.as_str()))
                        && v.as_str().parse::<Self>().ok() == Some(*v)
                })
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(concat!("unknown ", stringify!($name), " {:?}"), other)),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    DB,
                >>::from_sql(bytes)?;
                text.parse().map_err(Into::into)
            }
        }
    };
}

/// Declares the id type of a table: a `BIGINT` that cannot be mixed up with the id of
/// another table. Serialises as a bare JSON integer.
#[macro_export]
macro_rules! id_type {
    ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        $vis struct $name(pub i64);

        impl $name {
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::BigInt, DB> for $name
        where
            DB: diesel::backend::Backend,
            i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <i64 as diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>>::to_sql(
                    &self.0, out,
                )
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB> for $name
        where
            DB: diesel::backend::Backend,
            i64: diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                <i64 as diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB>>::from_sql(
                    bytes,
                )
                .map($name)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                <i64 as utoipa::PartialSchema>::schema()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

#[cfg(test)]
mod tests {
    use crate::domain::auth::{AuthMethod, EmailPurpose, OAuthMode, TokenScope};
    use crate::domain::policy::ProjectRole;
    use crate::domain::project::ProjectKind;
    use crate::store::jobs::JobState;

    #[test]
    fn every_stored_enum_spells_the_same_in_json_and_sql() {
        assert!(AuthMethod::spellings_agree());
        assert!(EmailPurpose::spellings_agree());
        assert!(OAuthMode::spellings_agree());
        assert!(TokenScope::spellings_agree());
        assert!(ProjectRole::spellings_agree());
        assert!(ProjectKind::spellings_agree());
        assert!(JobState::spellings_agree());
        assert!(crate::domain::goal::GoalStatus::spellings_agree());
        assert!(crate::domain::repository::SyncResource::spellings_agree());
    }
}
