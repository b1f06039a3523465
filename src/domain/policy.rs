//! Who may do what. Plain functions over the caller's standing, so every rule is
//! unit-tested and handlers state which rule they apply.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectRole {
    Owner,
    Maintainer,
}

impl ProjectRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectRole::Owner => "owner",
            ProjectRole::Maintainer => "maintainer",
        }
    }
}

impl FromStr for ProjectRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "owner" => Ok(ProjectRole::Owner),
            "maintainer" => Ok(ProjectRole::Maintainer),
            other => Err(format!("unknown project role {other:?}")),
        }
    }
}

impl fmt::Display for ProjectRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a request's caller is, as far as permissions go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub is_admin: bool,
    pub email_verified: bool,
}

/// Creating a project needs a verified email address.
pub fn can_create_project(who: Standing) -> bool {
    who.email_verified || who.is_admin
}

/// Editing a project's settings and goals: its owners and maintainers, and site admins.
pub fn can_edit_project(who: Standing, role: Option<ProjectRole>) -> bool {
    who.is_admin || role.is_some()
}

/// Changing who maintains a project, or deleting it: owners and site admins.
pub fn can_manage_project_members(who: Standing, role: Option<ProjectRole>) -> bool {
    who.is_admin || role == Some(ProjectRole::Owner)
}

/// The operator pages (jobs, outbox): site admins only.
pub fn can_operate_instance(who: Standing) -> bool {
    who.is_admin
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: Standing = Standing {
        is_admin: false,
        email_verified: true,
    };
    const UNVERIFIED: Standing = Standing {
        is_admin: false,
        email_verified: false,
    };
    const ADMIN: Standing = Standing {
        is_admin: true,
        email_verified: true,
    };

    #[test]
    fn project_rules_by_role() {
        assert!(can_create_project(USER));
        assert!(!can_create_project(UNVERIFIED));
        assert!(!can_edit_project(USER, None));
        assert!(can_edit_project(USER, Some(ProjectRole::Maintainer)));
        assert!(can_edit_project(ADMIN, None));
        assert!(!can_manage_project_members(
            USER,
            Some(ProjectRole::Maintainer)
        ));
        assert!(can_manage_project_members(USER, Some(ProjectRole::Owner)));
        assert!(can_manage_project_members(ADMIN, None));
    }

    #[test]
    fn only_admins_operate_the_instance() {
        assert!(can_operate_instance(ADMIN));
        assert!(!can_operate_instance(USER));
    }

    #[test]
    fn roles_round_trip() {
        for r in [ProjectRole::Owner, ProjectRole::Maintainer] {
            assert_eq!(r.as_str().parse::<ProjectRole>(), Ok(r));
        }
    }
}
