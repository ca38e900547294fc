//! What a provider's redirect carries: `code` and `state`, or `error` (and `state`).

use url::Url;

use crate::secret::AuthCode;

#[derive(Debug, Clone, PartialEq)]
pub struct CallbackParams {
    pub code: Option<AuthCode>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl CallbackParams {
    pub fn from_url(url: &Url) -> Self {
        let mut p = CallbackParams { code: None, state: None, error: None, error_description: None };
        for (k, v) in url.query_pairs() {
            let v = v.into_owned();
            match k.as_ref() {
                "code" if !v.is_empty() => p.code = Some(AuthCode::new(v)),
                "state" if !v.is_empty() => p.state = Some(v),
                "error" if !v.is_empty() => p.error = Some(v),
                "error_description" if !v.is_empty() => p.error_description = Some(v),
                _ => {}
            }
        }
        p
    }

    /// Whether this request is an OAuth callback at all (a browser also asks for /favicon.ico).
    pub fn is_callback(&self) -> bool {
        self.state.is_some() || self.code.is_some() || self.error.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_code_state_and_errors() {
        let p = CallbackParams::from_url(&Url::parse("http://localhost:1/callback?code=abc&state=xyz").unwrap());
        assert_eq!(p.code.as_ref().map(AuthCode::expose), Some("abc"));
        assert_eq!(p.state.as_deref(), Some("xyz"));
        assert!(p.is_callback());
        let p = CallbackParams::from_url(&Url::parse("dev.tributary.app:/oauth/callback?error=access_denied&state=s").unwrap());
        assert_eq!(p.error.as_deref(), Some("access_denied"));
        assert!(!CallbackParams::from_url(&Url::parse("http://localhost:1/favicon.ico").unwrap()).is_callback());
    }
}
