//! The self-signed certificate for `--https`, made at start for `127.0.0.1`, `::1` and `localhost`.

use std::sync::Arc;

use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// Why the certificate or TLS configuration could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("generating the self-signed certificate failed: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("configuring TLS failed: {0}")]
    Rustls(#[from] rustls::Error),
}

/// A generated certificate and the acceptor serving it.
pub struct Tls {
    /// The certificate, PEM (trust this in clients; `--cert-out` writes it).
    pub cert_pem: String,
    pub acceptor: TlsAcceptor,
}

/// Makes a fresh self-signed certificate and a TLS acceptor for it (HTTP/2 and HTTP/1.1 by ALPN).
pub fn self_signed() -> Result<Tls, TlsError> {
    let names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let mut params = rcgen::CertificateParams::new(names)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "guestlist-sim");
    params.distinguished_name.push(
        rcgen::DnType::OrganizationName,
        "Guestlist simulated tenant",
    );
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    let cert_pem = cert.pem();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls {
        cert_pem,
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}
