//! Who may do what. Plain functions over the caller's standing, so every rule is
//! unit-tested and handlers state which rule they apply.

crate::text_enum! {
    /// A user's role in a project (`project_members.role`).
    pub enum ProjectRole {
        Owner = "owner",
        Maintainer = "maintainer",
    }
}

/// What a request's caller is, as far as permissions go. `is_admin` is the caller's
/// effective power: a site admin using a personal API token without the `admin` scope
/// is not an admin for that request.
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
        for r in ProjectRole::ALL {
            assert_eq!(r.as_str().parse::<ProjectRole>(), Ok(*r));
        }
    }
}
