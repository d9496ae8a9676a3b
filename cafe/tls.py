"""HTTPS on the venue's network: a certificate made on this laptop for its LAN address.

Phones show a warning the first time (no public authority signed it); the SHA-256 fingerprint
printed at start-up lets the facilitator check it is this laptop's. Made once, kept beside the
database (the key readable by this user only), made again when the address changes or it nears
expiry.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from pathlib import Path

VALID_DAYS = 397  # the longest browsers accept
RENEW_DAYS = 30


def _covers(cert, address: str) -> bool:
    from cryptography import x509

    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    try:
        return ipaddress.ip_address(address) in names.get_values_for_type(x509.IPAddress)
    except ValueError:
        return address in names.get_values_for_type(x509.DNSName)


def fingerprint(cert_path: str | Path) -> str:
    """Return a certificate's SHA-256 fingerprint as colon-separated hex."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    return ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


def lan_certificate(directory: str | Path, address: str) -> tuple[Path, Path]:
    """Return (certificate, key) files for `address`, made now unless a fitting one exists."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory = Path(directory)
    cert_path, key_path = directory / "cafe-lan.crt", directory / "cafe-lan.key"
    now = dt.datetime.now(dt.UTC)
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if _covers(cert, address) and cert.not_valid_after_utc - now > dt.timedelta(RENEW_DAYS):
            return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Café on {address}")])
    alt: list[x509.GeneralName] = [x509.DNSName("localhost"),
                                   x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    try:
        alt.append(x509.IPAddress(ipaddress.ip_address(address)))
    except ValueError:
        alt.append(x509.DNSName(address))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_bytes)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def quiet_handshake_errors() -> None:
    """Keep failed TLS handshakes (a phone typing http://, a scanner) out of the log: gevent would
    print a traceback for each, which anyone on the network could use to flood it."""
    import ssl

    from gevent import get_hub

    hub = get_hub()
    if ssl.SSLError not in hub.NOT_ERROR:
        hub.NOT_ERROR = (*hub.NOT_ERROR, ssl.SSLError)
