# OpenBao server configuration, in the shape EdgeX's secret store uses.
ui            = false
disable_mlock = true
api_addr      = "http://edgex-secret-store:8200"
max_lease_ttl = "768h"

storage "file" {
  path = "/vault/file"
}

listener "tcp" {
  address     = "0.0.0.0:8200"
  tls_disable = "1"
  # Keep root generation behind authentication.
  disable_unauthed_generate_root_endpoints = true
}

listener "unix" {
  address = "/tmp/openbao.sock"
}

telemetry {
  disable_hostname = true
}
