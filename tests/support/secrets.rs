//! The secrets scan: a test plants known secrets (passwords, bearer tokens, URIs with
//! credentials) where the tool will meet them, then checks that no output carries any of
//! them, as written or base64-encoded (as a Secret's `data` holds them).

use base64::Engine as _;

/// `secrets` and their base64 encodings: every text no output may contain.
pub fn with_encodings(secrets: &[String]) -> Vec<String> {
    let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
    secrets.iter().cloned().chain(secrets.iter().map(|s| b64(s))).collect()
}

/// The secrets found in `bytes` (read as UTF-8, invalid bytes replaced).
pub fn leaks(bytes: &[u8], secrets: &[String]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    secrets.iter().filter(|s| !s.is_empty() && text.contains(s.as_str())).cloned().collect()
}

/// Fails with the leaks found in each named output.
pub fn assert_none_in(outputs: &[(&str, &[u8])], secrets: &[String]) -> Result<(), String> {
    let found: Vec<String> = outputs
        .iter()
        .flat_map(|(name, bytes)| leaks(bytes, secrets).into_iter().map(move |s| format!("{name}: {s:?}")))
        .collect();
    if found.is_empty() {
        Ok(())
    } else {
        Err(format!("planted secrets leaked: {}", found.join(", ")))
    }
}
