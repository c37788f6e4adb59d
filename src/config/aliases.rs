//! `redirect.toml`: model aliases (`"alias" = "target"`), checked for empty targets and
//! loops when the gateway starts.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{GatewayError, Result};

/// Reads model aliases (`"alias" = "target"`); a missing file means no aliases.
pub fn load_aliases(path: &Path) -> Result<HashMap<String, String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(err) => {
            return Err(GatewayError::Config(format!(
                "{}: cannot read the alias file: {err}",
                path.display()
            )));
        }
    };
    let deserializer = toml::de::Deserializer::parse(&text).map_err(|err| {
        GatewayError::Config(format!("{}: not valid TOML: {err}", path.display()))
    })?;
    let aliases: HashMap<String, String> =
        serde_path_to_error::deserialize(deserializer).map_err(|err| {
            GatewayError::Config(format!(
                "{}: key `{}`: {}; expected `\"alias\" = \"provider/model\"` lines",
                path.display(),
                err.path(),
                err.inner()
            ))
        })?;
    for (alias, target) in &aliases {
        if target.trim().is_empty() {
            return Err(GatewayError::Config(format!(
                "{}: key `{alias}`: the target model must not be empty",
                path.display()
            )));
        }
        // A chain that comes back to where it started would never resolve.
        let mut next = target;
        for _ in 0..=aliases.len() {
            if next == alias {
                return Err(GatewayError::Config(format!(
                    "{}: key `{alias}`: the alias leads back to itself",
                    path.display()
                )));
            }
            match aliases.get(next) {
                Some(further) => next = further,
                None => break,
            }
        }
    }
    Ok(aliases)
}
