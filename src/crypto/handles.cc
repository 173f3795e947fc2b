#include "crypto/handles.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace dstart::crypto {

void EvpPkeyDeleter::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
void EvpPkeyCtxDeleter::operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
void EvpMdCtxDeleter::operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
void EvpCipherCtxDeleter::operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
void EvpMacDeleter::operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
void EvpMacCtxDeleter::operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
void X509Deleter::operator()(X509* p) const { X509_free(p); }
void X509ReqDeleter::operator()(X509_REQ* p) const { X509_REQ_free(p); }
void X509NameDeleter::operator()(X509_NAME* p) const { X509_NAME_free(p); }
void X509ExtensionDeleter::operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
void X509StoreDeleter::operator()(X509_STORE* p) const { X509_STORE_free(p); }
void X509StoreCtxDeleter::operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
void X509StackDeleter::operator()(stack_st_X509* p) const { sk_X509_pop_free(p, X509_free); }
void GeneralNamesDeleter::operator()(stack_st_GENERAL_NAME* p) const { GENERAL_NAMES_free(p); }
void BioDeleter::operator()(BIO* p) const { BIO_free_all(p); }
void BignumDeleter::operator()(BIGNUM* p) const { BN_clear_free(p); }
void BnCtxDeleter::operator()(BN_CTX* p) const { BN_CTX_free(p); }
void EcdsaSigDeleter::operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
void Asn1IntegerDeleter::operator()(ASN1_INTEGER* p) const { ASN1_INTEGER_free(p); }
void Asn1TimeDeleter::operator()(ASN1_TIME* p) const { ASN1_TIME_free(p); }
void Asn1OctetStringDeleter::operator()(ASN1_OCTET_STRING* p) const { ASN1_OCTET_STRING_free(p); }
void Pkcs8PrivKeyInfoDeleter::operator()(PKCS8_PRIV_KEY_INFO* p) const {
  PKCS8_PRIV_KEY_INFO_free(p);
}
void OsslParamBldDeleter::operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
void OsslParamDeleter::operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
void OsslDecoderCtxDeleter::operator()(OSSL_DECODER_CTX* p) const { OSSL_DECODER_CTX_free(p); }

}  // namespace dstart::crypto
