//! Short-lived access tokens: HS256 only, with `exp`, `iat`, `iss`, `aud` and `sub`
//! required and checked. Anything else (`alg: none`, another algorithm, a bad
//! signature, an expired token, another audience) is rejected.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const AUDIENCE: &str = "openfund-api";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Account id.
    pub sub: String,
    /// Session (refresh-token family) id, checked for revocation on every request.
    pub sid: i64,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    ttl_secs: i64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], issuer: &str, ttl_secs: i64) -> Self {
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: issuer.to_owned(),
            ttl_secs,
        }
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    pub fn issue(
        &self,
        account_id: i64,
        session_id: i64,
        now: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            sub: account_id.to_string(),
            sid: session_id,
            iat: now,
            exp: now + self.ttl_secs,
            iss: self.issuer.clone(),
            aud: AUDIENCE.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        validation.validate_exp = true;
        Ok(jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)?.claims)
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    const SECRET: &[u8] = b"an-unguessable-test-secret-of-32-bytes!";

    fn keys() -> JwtKeys {
        JwtKeys::new(SECRET, "http://openfund.test", 900)
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn round_trips_a_fresh_token() {
        let token = keys().issue(7, 3, now()).unwrap();
        let claims = keys().verify(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.sid), ("7", 3));
    }

    #[test]
    fn rejects_expired_foreign_tampered_and_unsigned_tokens() {
        let k = keys();
        let expired = k.issue(7, 3, now() - 1000).unwrap();
        assert!(k.verify(&expired).is_err());

        let other_issuer = JwtKeys::new(SECRET, "http://elsewhere", 900)
            .issue(7, 3, now())
            .unwrap();
        assert!(k.verify(&other_issuer).is_err());

        let other_key = JwtKeys::new(
            b"another-secret-another-secret-1234",
            "http://openfund.test",
            900,
        )
        .issue(7, 3, now())
        .unwrap();
        assert!(k.verify(&other_key).is_err());

        let good = k.issue(7, 3, now()).unwrap();
        let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        parts[1] = URL_SAFE_NO_PAD.encode(payload.replace("\"sub\":\"7\"", "\"sub\":\"1\""));
        assert!(k.verify(&parts.join(".")).is_err(), "tampered payload");

        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{}.", parts[1]);
        assert!(k.verify(&unsigned).is_err(), "alg none");
    }

    /// Signs `claims` with HS256 and `key`, as a forger who holds the key would.
    fn sign(claims: &Claims, key: &[u8]) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(key),
        )
        .unwrap()
    }

    #[test]
    fn audience_must_be_this_api() {
        let k = keys();
        let base = Claims {
            sub: "7".into(),
            sid: 3,
            iat: now(),
            exp: now() + 600,
            iss: "http://openfund.test".into(),
            aud: AUDIENCE.into(),
        };
        // Positive control: the same claims, signed by hand, are accepted.
        assert_eq!(k.verify(&sign(&base, SECRET)).unwrap(), base);
        for aud in ["someone-else", "", "openfund-api ", "OPENFUND-API"] {
            let claims = Claims {
                aud: aud.into(),
                ..base.clone()
            };
            assert!(k.verify(&sign(&claims, SECRET)).is_err(), "aud {aud:?}");
        }
        // A token without any `aud` claim is refused too.
        let no_aud = serde_json::json!({
            "sub": "7", "sid": 3, "iat": now(), "exp": now() + 600, "iss": "http://openfund.test"
        });
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &no_aud,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert!(k.verify(&token).is_err(), "missing aud");
    }
}
