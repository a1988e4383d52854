# Sourced by ab.sh, profile.sh and per-request-counts.sh: `test_certificate DIR` makes a self-signed
# P-256 certificate for localhost and 127.0.0.1 and its key, DIR/cert.pem and DIR/key.pem (PEM), for
# a run over HTTPS; DIR is made. Every server of the run gets the same pair.
test_certificate() {
  mkdir -p "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/key.pem" \
    -out "$1/cert.pem" -days 7 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
}
