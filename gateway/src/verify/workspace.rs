//! Which secrets apply to a request: the shared list, or the list of its workspace.

use std::collections::BTreeMap;

use subtle::{ConditionallySelectable, ConstantTimeEq};

use super::{Key, VerifyError};
use crate::config::SigningSecrets;

/// The configured secrets in the shape the lookup needs.
#[derive(Clone)]
pub(super) enum Trust {
    /// Any secret, whatever the workspace.
    Shared(Vec<Key>),
    /// Workspace id to its secrets; a workspace not listed is refused.
    PerWorkspace(Vec<(String, Vec<Key>)>),
}

impl From<SigningSecrets> for Trust {
    fn from(secrets: SigningSecrets) -> Self {
        let keys = |list: Vec<_>| list.iter().map(Key::new).collect();
        match secrets {
            SigningSecrets::Shared(list) => Trust::Shared(keys(list)),
            SigningSecrets::PerWorkspace(map) => {
                Trust::PerWorkspace(BTreeMap::into_iter(map).map(|(id, list)| (id, keys(list))).collect())
            }
        }
    }
}

impl Trust {
    /// The keys of the secrets a request from `workspace` (the `Plain-Workspace-Id` header,
    /// empty when absent) may be signed with.
    ///
    /// Every listed workspace id is compared, in constant time, and no secret is read, so
    /// how long the lookup takes says nothing about the secrets nor about which entry
    /// matched.
    pub(super) fn keys_for(&self, workspace: &str) -> Result<&[Key], VerifyError> {
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
    use crate::config::Secret;
    use hmac::Mac;

    fn table() -> Trust {
        let mut map = BTreeMap::new();
        map.insert("w_1".to_owned(), vec![Secret::new("s1"), Secret::new("s2")]);
        map.insert("w_2".to_owned(), vec![Secret::new("s3")]);
        Trust::from(SigningSecrets::PerWorkspace(map))
    }

    #[test]
    fn each_workspace_gets_its_own_secrets() {
        let trust = table();
        // Each key signs as its secret does.
        let signatures = |w| {
            let keys = trust.keys_for(w).unwrap();
            keys.iter().map(|k| hex::encode(k.mac().chain_update(b"body").finalize().into_bytes())).collect::<Vec<_>>()
        };
        let signed = |secrets: &[&str]| secrets.iter().map(|s| super::super::sign(s, b"body")).collect::<Vec<_>>();
        assert_eq!(signatures("w_1"), signed(&["s1", "s2"]));
        assert_eq!(signatures("w_2"), signed(&["s3"]));
    }

    #[test]
    fn unknown_missing_and_prefix_workspaces_are_refused() {
        let trust = table();
        for workspace in ["", "w_3", "w_", "w_11", "W_1"] {
            assert_eq!(trust.keys_for(workspace).err(), Some(VerifyError::UnknownWorkspace), "{workspace:?}");
        }
    }

    #[test]
    fn a_shared_list_ignores_the_workspace() {
        let trust = Trust::from(SigningSecrets::Shared(vec![Secret::new("s")]));
        assert_eq!(trust.keys_for("").unwrap().len(), 1);
        assert_eq!(trust.keys_for("w_anything").unwrap().len(), 1);
    }
}
