//! Test certificates made in Rust (rcgen with ring) instead of the openssl command.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use std::path::{Path, PathBuf};

/// The PEM files of a test certificate authority and a server certificate it signed.
pub struct TestCertificates {
    /// The authority's certificate: what a client trusts.
    pub ca: PathBuf,
    /// The server's certificate, for 127.0.0.1 and localhost.
    pub cert: PathBuf,
    /// The server's private key (PKCS#8).
    pub key: PathBuf,
}

/// A new authority and a server certificate for 127.0.0.1 and localhost signed by it, written
/// as `ca.pem`, `server.pem` and `server.key` into `dir`. Every call makes a new authority, so
/// two calls give two authorities that do not trust each other's certificates.
pub fn test_certificates(dir: &Path) -> TestCertificates {
    let ca_key = KeyPair::generate().expect("a key for the authority");
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name
        .push(DnType::CommonName, "canali test authority");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca
        .self_signed(&ca_key)
        .expect("the authority's certificate");

    let key = KeyPair::generate().expect("a key for the server");
    let mut server =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    server
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    server.is_ca = IsCa::ExplicitNoCa;
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = server
        .signed_by(&key, &Issuer::new(ca, ca_key))
        .expect("the server's certificate");

    let out = TestCertificates {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    };
    std::fs::write(&out.ca, ca_cert.pem()).unwrap();
    std::fs::write(&out.cert, cert.pem()).unwrap();
    std::fs::write(&out.key, key.serialize_pem()).unwrap();
    out
}
