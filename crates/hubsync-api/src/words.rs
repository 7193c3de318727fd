//! Small helpers for the words both shells make from codes and figures.

/// The text with its first letter upper-cased: "push held" → "Push held".
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
