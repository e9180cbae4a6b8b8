//! Which secrets apply to a request: the shared list, or the list of its workspace.

use std::collections::BTreeMap;

use subtle::{ConditionallySelectable, ConstantTimeEq};

use super::VerifyError;
use crate::config::{Secret, SigningSecrets};

/// The configured secrets in the shape the lookup needs.
#[derive(Clone)]
pub(super) enum Trust {
    /// Any secret, whatever the workspace.
    Shared(Vec<Secret>),
    /// Workspace id to its secrets; a workspace not listed is refused.
    PerWorkspace(Vec<(String, Vec<Secret>)>),
}

impl From<SigningSecrets> for Trust {
    fn from(secrets: SigningSecrets) -> Self {
        match secrets {
            SigningSecrets::Shared(list) => Trust::Shared(list),
            SigningSecrets::PerWorkspace(map) => Trust::PerWorkspace(BTreeMap::into_iter(map).collect()),
        }
    }
}

impl Trust {
    /// The secrets a request from `workspace` (the `Plain-Workspace-Id` header, empty when
    /// absent) may be signed with.
    ///
    /// Every listed workspace id is compared, in constant time, and no secret is read, so
    /// how long the lookup takes says nothing about the secrets nor about which entry
    /// matched.
    pub(super) fn secrets_for(&self, workspace: &str) -> Result<&[Secret], VerifyError> {
        let table = match self {
            Trust::Shared(list) => return Ok(list),
            Trust::PerWorkspace(table) => table,
        };
        let presented = workspace.as_bytes();
        let mut found = subtle::Choice::from(0);
        let mut index = 0u64;
        for (i, (id, _)) in table.iter().enumerate() {
            let same = id.as_bytes().ct_eq(presented);
            index.conditional_assign(&(i as u64), same);
            found |= same;
        }
        if bool::from(found) && !presented.is_empty() {
            Ok(&table[index as usize].1)
        } else {
            Err(VerifyError::UnknownWorkspace)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Trust {
        let mut map = BTreeMap::new();
        map.insert("w_1".to_owned(), vec![Secret::new("s1"), Secret::new("s2")]);
        map.insert("w_2".to_owned(), vec![Secret::new("s3")]);
        Trust::from(SigningSecrets::PerWorkspace(map))
    }

    #[test]
    fn each_workspace_gets_its_own_secrets() {
        let trust = table();
        let names = |w| trust.secrets_for(w).unwrap().iter().map(|s| s.expose().to_owned()).collect::<Vec<_>>();
        assert_eq!(names("w_1"), ["s1", "s2"]);
        assert_eq!(names("w_2"), ["s3"]);
    }

    #[test]
    fn unknown_missing_and_prefix_workspaces_are_refused() {
        let trust = table();
        for workspace in ["", "w_3", "w_", "w_11", "W_1"] {
            assert_eq!(trust.secrets_for(workspace).err(), Some(VerifyError::UnknownWorkspace), "{workspace:?}");
        }
    }

    #[test]
    fn a_shared_list_ignores_the_workspace() {
        let trust = Trust::from(SigningSecrets::Shared(vec![Secret::new("s")]));
        assert_eq!(trust.secrets_for("").unwrap().len(), 1);
        assert_eq!(trust.secrets_for("w_anything").unwrap().len(), 1);
    }
}
