// Owning handles for OpenSSL objects. Every OpenSSL object dstart touches lives in one of these
// from the line that creates it; `.release()` is used only to hand ownership to OpenSSL itself.
// The deleters are defined in handles.cc so that this header needs only OpenSSL's opaque types.
#ifndef DSTART_CRYPTO_HANDLES_H_
#define DSTART_CRYPTO_HANDLES_H_

#include <openssl/types.h>

#include <memory>

// Not in <openssl/types.h>; these repeat the typedefs of <openssl/ec.h>, <openssl/x509.h> and
// <openssl/x509v3.h> (identical typedefs may be repeated).
typedef struct ECDSA_SIG_st ECDSA_SIG;
typedef struct X509_req_st X509_REQ;
typedef struct X509_extension_st X509_EXTENSION;
struct stack_st_X509;
struct stack_st_GENERAL_NAME;
struct stack_st_X509_EXTENSION;

namespace dstart::crypto {

#define DSTART_CRYPTO_HANDLE_(Name, Type)                 \
  struct Name##Deleter {                                  \
    void operator()(Type* p) const;                       \
  };                                                      \
  using Name##Ptr = std::unique_ptr<Type, Name##Deleter>

DSTART_CRYPTO_HANDLE_(EvpPkey, EVP_PKEY);
DSTART_CRYPTO_HANDLE_(EvpPkeyCtx, EVP_PKEY_CTX);
DSTART_CRYPTO_HANDLE_(EvpMdCtx, EVP_MD_CTX);
DSTART_CRYPTO_HANDLE_(EvpCipherCtx, EVP_CIPHER_CTX);
DSTART_CRYPTO_HANDLE_(EvpMac, EVP_MAC);
DSTART_CRYPTO_HANDLE_(EvpMacCtx, EVP_MAC_CTX);
DSTART_CRYPTO_HANDLE_(X509, X509);
DSTART_CRYPTO_HANDLE_(X509Req, X509_REQ);
DSTART_CRYPTO_HANDLE_(X509Name, X509_NAME);
DSTART_CRYPTO_HANDLE_(X509Extension, X509_EXTENSION);
DSTART_CRYPTO_HANDLE_(X509Store, X509_STORE);
DSTART_CRYPTO_HANDLE_(X509StoreCtx, X509_STORE_CTX);
// STACK_OF(X509) with its certificates: freeing the stack frees (drops a reference to) each one.
DSTART_CRYPTO_HANDLE_(X509Stack, stack_st_X509);
DSTART_CRYPTO_HANDLE_(GeneralNames, stack_st_GENERAL_NAME);
DSTART_CRYPTO_HANDLE_(Bio, BIO);
DSTART_CRYPTO_HANDLE_(Bignum, BIGNUM);
DSTART_CRYPTO_HANDLE_(BnCtx, BN_CTX);
DSTART_CRYPTO_HANDLE_(EcdsaSig, ECDSA_SIG);
DSTART_CRYPTO_HANDLE_(Asn1Integer, ASN1_INTEGER);
DSTART_CRYPTO_HANDLE_(Asn1Time, ASN1_TIME);
DSTART_CRYPTO_HANDLE_(Asn1OctetString, ASN1_OCTET_STRING);
DSTART_CRYPTO_HANDLE_(Pkcs8PrivKeyInfo, PKCS8_PRIV_KEY_INFO);
DSTART_CRYPTO_HANDLE_(OsslParamBld, OSSL_PARAM_BLD);
DSTART_CRYPTO_HANDLE_(OsslParam, OSSL_PARAM);
DSTART_CRYPTO_HANDLE_(OsslDecoderCtx, OSSL_DECODER_CTX);

#undef DSTART_CRYPTO_HANDLE_

}  // namespace dstart::crypto

#endif  // DSTART_CRYPTO_HANDLES_H_
