//! Reading what may be shown of a MongoDB URI (its hosts) without ever showing the password.

/// The host list of a `mongodb://` or `mongodb+srv://` URI, with no user name or password.
pub fn hosts(uri: &str) -> String {
    let rest = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let hosts = authority
        .rsplit_once('@')
        .map_or(authority, |(_, hosts)| hosts);
    if hosts.is_empty() {
        "(no host)".to_string()
    } else {
        hosts.to_string()
    }
}

/// The URI with its password replaced by `***`, for the rare place a whole URI is shown.
pub fn redact(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return "(not a mongodb:// URI)".to_string();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{hosts}{tail}")
        }
        None => uri.to_string(),
    }
}

/// The password part of the URI (raw and percent-decoded), the strings to scrub from messages.
pub fn password(uri: &str) -> Option<String> {
    let rest = uri.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    let password = userinfo.split_once(':')?.1;
    (!password.is_empty()).then(|| password.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str =
        "mongodb+srv://admin:s3cr%40t@cluster0.example.mongodb.net/app?retryWrites=true";

    #[test]
    fn hosts_never_include_credentials() {
        assert_eq!(hosts(URI), "cluster0.example.mongodb.net");
        assert_eq!(hosts("mongodb://a:1,b:2/?replicaSet=rs"), "a:1,b:2");
    }

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(
            redact(URI),
            "mongodb+srv://admin:***@cluster0.example.mongodb.net/app?retryWrites=true"
        );
        assert_eq!(password(URI).as_deref(), Some("s3cr%40t"));
        assert_eq!(password("mongodb://localhost"), None);
    }
}
