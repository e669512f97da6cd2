/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* A test PKI made when the tests run, with the GnuTLS x509 API: nothing in
 * the repository expires. One PgsmTestPki holds a root CA, an intermediate CA
 * signed by it, and an unrelated "other" root that nobody trusts; leaves are
 * issued on demand from a PgsmTestCertSpec. Every certificate and key is
 * written as PEM into the directory given to pgsm_test_pki_new().
 *
 * Typical use:
 *
 *   g_autofree gchar *dir = g_dir_make_tmp ("pgsm-pki-XXXXXX", NULL);
 *   PgsmTestPki *pki = pgsm_test_pki_new (dir);
 *   const gchar *dns[] = { "server.test", NULL };
 *   PgsmTestCertSpec spec = { .name = "good", .cn = "server.test", .dns = dns };
 *   PgsmTestCert *c = pgsm_test_pki_issue (pki, &spec);
 *   ... ca-file = pki->root_ca_file, server uses c->chain_file + c->key_file
 *   pgsm_test_cert_free (c);
 *   pgsm_test_pki_free (pki);      (removes the files and the directory)
 *
 * Names: subjects read "CN=<cn>,O=gst-pgsm tests" (RFC 4514 order, as
 * gnutls_x509_crt_get_dn3() prints them); the CAs are "CN=gst-pgsm Test Root
 * CA,O=gst-pgsm tests", "CN=gst-pgsm Test Intermediate CA,O=gst-pgsm tests"
 * and "CN=Unknown Test Root CA,O=Somebody else". CAs are valid from -30 days
 * to +10 years.
 *
 * Keys: ECDSA P-256 by default (fast). A fresh leaf key per certificate, so
 * SPKI pins of two leaves differ. RSA keys are made at most once per PKI per
 * size and shared by the leaves that ask for them.
 *
 * Not thread-safe: issue certificates from one thread (the test's), then
 * hand the file names to server threads.
 */

#ifndef __PGSM_TEST_PKI_H__
#define __PGSM_TEST_PKI_H__

#include <glib.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

G_BEGIN_DECLS
/* Who signs a leaf. The zero value is the usual case. */
    typedef enum
{
  PGSM_TEST_SIGNER_INTERMEDIATE = 0,    /* root -> intermediate -> leaf */
  PGSM_TEST_SIGNER_ROOT,        /* root -> leaf */
  PGSM_TEST_SIGNER_SELF,        /* self-signed leaf (CA:FALSE), no chain */
  PGSM_TEST_SIGNER_LEAF,        /* root -> intermediate -> an end-entity
                                 * certificate (CA:FALSE) -> leaf; the chain
                                 * file holds all three (without the root) */
  PGSM_TEST_SIGNER_OTHER_ROOT,  /* an unknown root nobody trusts -> leaf */
} PgsmTestSigner;

typedef enum
{
  PGSM_TEST_KEY_ECDSA_P256 = 0,
  PGSM_TEST_KEY_RSA_2048,
  PGSM_TEST_KEY_RSA_1024,
  PGSM_TEST_KEY_ECDSA_P384,
} PgsmTestKeyType;

typedef enum
{
  PGSM_TEST_HASH_SHA256 = 0,
  PGSM_TEST_HASH_SHA1,
} PgsmTestHash;

typedef enum
{
  PGSM_TEST_EKU_SERVER = 0,     /* extendedKeyUsage serverAuth */
  PGSM_TEST_EKU_CLIENT,         /* extendedKeyUsage clientAuth only */
  PGSM_TEST_EKU_SERVER_CLIENT,  /* both */
  PGSM_TEST_EKU_NONE,           /* no extendedKeyUsage extension */
} PgsmTestEku;

/* Description of a leaf. Zero-initialise it and set what differs. */
typedef struct
{
  const gchar *name;            /* base of the file names (required, unique
                                 * within a PKI: "good", "expired", ...) */
  const gchar *cn;              /* subject CN, NULL for none */
  const gchar *const *dns;      /* NULL-terminated DNS SANs, or NULL */
  const gchar *const *ips;      /* NULL-terminated IP SANs ("127.0.0.1",
                                 * "::1"), or NULL */
  const gchar *const *uris;     /* NULL-terminated URI SANs
                                 * ("sip:example.test"), or NULL */
  /* Validity, in seconds relative to now. 0 means the default:
   * not_before = -1 day, not_after = +30 days. Expired: not_before =
   * -60 days, not_after = -1 day. Not yet valid: not_before = +1 day. */
  gint64 not_before;
  gint64 not_after;
  PgsmTestSigner signer;
  PgsmTestHash hash;            /* hash of the signature on this leaf */
  PgsmTestKeyType key;          /* the leaf's own key */
  PgsmTestEku eku;
  gboolean omit_intermediate;   /* chain file holds the leaf only, even when
                                 * an intermediate signed it */
} PgsmTestCertSpec;

/* An issued leaf. All strings owned by the struct. */
typedef struct
{
  gchar *cert_file;             /* PEM: the leaf alone */
  gchar *chain_file;            /* PEM: leaf then the intermediates a server
                                 * sends (never the root) */
  gchar *key_file;              /* PEM: the leaf's private key (PKCS#8) */
  gchar *combined_file;         /* PEM: key then chain, in one file (the
                                 * agent.pem layout of Sofia-SIP/OpenSSL) */
  gchar *cert_pem;              /* the leaf, PEM text */
  gchar *sha256;                /* lower-case hex SHA-256 of the leaf DER */
  gchar *spki_sha256;           /* lower-case hex SHA-256 of its SPKI DER */
  guint64 serial;
  gnutls_datum_t *chain_der;    /* DER of the chain, leaf first, as a
                                 * server presents it */
  guint chain_length;
} PgsmTestCert;

/* The CA side. All strings owned by the struct; read-only for users. */
typedef struct
{
  gchar *dir;
  gchar *root_ca_file;          /* PEM: the root (the anchor to trust) */
  gchar *intermediate_file;     /* PEM: the intermediate alone */
  gchar *ca_bundle_file;        /* PEM: root + other_root (several anchors) */
  gchar *other_root_ca_file;    /* PEM: the unknown root, trusted by nobody
                                 * unless a test says so */
  gchar *root_sha256;           /* hex SHA-256 of the root DER */

  /*< private > */
  gpointer priv;
} PgsmTestPki;

/* Makes the root, the intermediate and the other root in @dir (which must
 * exist, e.g. from g_dir_make_tmp()). Aborts the test on failure. */
PgsmTestPki *pgsm_test_pki_new (const gchar * dir);

/* The same in a new temporary directory named @prefix-XXXXXX, removed by
 * pgsm_test_pki_free(); NULL when it cannot be made */
PgsmTestPki *pgsm_test_pki_new_tmp (const gchar * prefix);

/* Removes every file it wrote and every other .pem, .crt and .key file of
 * @dir (certificates issued in forked test processes, which the parent's
 * PKI does not know), then @dir itself if it is empty. */
void pgsm_test_pki_free (PgsmTestPki * pki);

/* Issues a leaf described by @spec. Aborts the test on failure. */
PgsmTestCert *pgsm_test_pki_issue (PgsmTestPki * pki,
    const PgsmTestCertSpec * spec);

/* A convenient valid leaf for a server: CN and DNS SAN @dns_name plus IP
 * SANs 127.0.0.1 and ::1, signed by the intermediate, chain included. */
PgsmTestCert *pgsm_test_pki_issue_server (PgsmTestPki * pki,
    const gchar * name, const gchar * dns_name);

/* Writes a CRL (PEM) and returns its path (owned by the PKI). The CRL is
 * signed by the CA that signed @revoked (root or intermediate) and lists
 * @revoked's serial; with @revoked NULL it is an empty CRL of the
 * intermediate. Valid from -1 day to +7 days. */
const gchar *pgsm_test_pki_write_crl (PgsmTestPki * pki,
    const PgsmTestCert * revoked);

/* The same with the CRL's thisUpdate and nextUpdate given in seconds
 * relative to now (e.g. -7 days and -1 day for a CRL that is out of date). */
const gchar *pgsm_test_pki_write_crl_dated (PgsmTestPki * pki,
    const PgsmTestCert * revoked, gint64 this_update, gint64 next_update);

void pgsm_test_cert_free (PgsmTestCert * cert);

/* Lower-case hex SHA-256 of @len bytes (for pins). */
gchar *pgsm_test_sha256_hex (const guint8 * data, gsize len);

/* The same with ':' between bytes and upper case (AB:CD:...), as
 * `openssl x509 -fingerprint` prints it: pins must accept both. */
gchar *pgsm_test_sha256_hex_colons (const guint8 * data, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PgsmTestCert, pgsm_test_cert_free)
    G_DEFINE_AUTOPTR_CLEANUP_FUNC (PgsmTestPki, pgsm_test_pki_free)
    G_END_DECLS
#endif /* __PGSM_TEST_PKI_H__ */
