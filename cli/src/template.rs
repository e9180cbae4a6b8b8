//! `{{placeholder}}` substitution for the embedded templates.

/// Replaces every `{{name}}` in `template` by its value in `vars`.
///
/// A `{{…}}` holding anything other than letters, digits and `_` is left as it is. A
/// placeholder missing from `vars` is an error, so a template and its caller cannot drift
/// apart silently.
pub fn render(template: &str, vars: &[(&str, &str)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let placeholder = after
            .find("}}")
            .map(|end| &after[..end])
            .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        match placeholder {
            Some(name) => {
                let value = vars
                    .iter()
                    .find(|(var, _)| *var == name)
                    .map(|(_, value)| *value)
                    .ok_or_else(|| format!("the template uses {{{{{name}}}}}, which has no value"))?;
                out.push_str(value);
                rest = &after[name.len() + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_placeholders() {
        let out = render("struct {{Name}}Cards; // {{name}} {{name}}", &[("name", "shipping"), ("Name", "Shipping")]);
        assert_eq!(out.as_deref(), Ok("struct ShippingCards; // shipping shipping"));
    }

    #[test]
    fn leaves_other_braces_alone() {
        let text = "format!(\"{{}}\"); {{ x }} {{a-b}} {{ {{";
        assert_eq!(render(text, &[]).as_deref(), Ok(text));
        assert_eq!(render("{{", &[]).as_deref(), Ok("{{"));
        assert_eq!(render("a}}b", &[]).as_deref(), Ok("a}}b"));
    }

    #[test]
    fn unknown_placeholder_is_an_error() {
        let error = render("{{nope}}", &[("name", "x")]).unwrap_err();
        assert!(error.contains("{{nope}}"), "{error}");
    }

    #[test]
    fn values_are_not_rendered_again() {
        let out = render("{{a}}", &[("a", "{{b}}"), ("b", "no")]);
        assert_eq!(out.as_deref(), Ok("{{b}}"));
    }
}
