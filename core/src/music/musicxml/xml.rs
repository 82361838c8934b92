//! The little XML this writer needs: escaped text.

/// `s` with the five XML special characters escaped, for text and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn specials_are_escaped() {
        assert_eq!(
            super::escape("Ach Gott & <Herr> \"x\" 'y'"),
            "Ach Gott &amp; &lt;Herr&gt; &quot;x&quot; &apos;y&apos;"
        );
    }
}
