# Policy of the token that creates per-service tokens.
path "identity/entity/name" {
  capabilities = ["list"]
}

path "identity/entity/name/*" {
  capabilities = ["create", "update", "read"]
}

path "identity/entity/id/*" {
  capabilities = ["read"]
}

path "identity/entity-alias" {
  capabilities = ["create", "update"]
}

path "identity/oidc/role" {
  capabilities = ["list"]
}

path "identity/oidc/role/*" {
  capabilities = ["create", "update"]
}

path "auth/userpass/users/*" {
  capabilities = ["create", "update"]
}

# Sudo is needed to create orphan tokens.
path "auth/token/create/*" {
  capabilities = ["create", "update", "sudo"]
}

path "auth/token/roles" {
  capabilities = ["list"]
}

path "auth/token/roles/*" {
  capabilities = ["create", "update"]
}

path "sys/auth" {
  capabilities = ["read"]
}

path "sys/policies/acl/edgex-service-*" {
  capabilities = ["create", "read", "update", "delete"]
}

path "sys/policies/acl" {
  capabilities = ["list"]
}
