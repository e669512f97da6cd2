/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The test PKI: see pki.h. Everything is generated in memory with the GnuTLS
 * x509 API and written to PEM files; any GnuTLS failure aborts the test
 * (g_error), since a test cannot say anything useful without its PKI. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pki.h"

#include <string.h>
#include <time.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <gnutls/abstract.h>

#define DAY (24 * 3600)

#define CHECK_GNUTLS(expr) G_STMT_START {                               \
    int _r = (expr);                                                    \
    if (_r < 0)                                                         \
      g_error ("test PKI: %s failed: %s", #expr, gnutls_strerror (_r)); \
  } G_STMT_END

typedef struct
{
  gnutls_x509_crt_t crt;
  gnutls_x509_privkey_t key;
} Ca;

typedef struct
{
  Ca root;
  Ca intermediate;
  Ca other_root;
  Ca ee_issuer;                 /* the non-CA "issuer" of SIGNER_LEAF, lazy */
  gnutls_datum_t ee_issuer_der;
  gnutls_x509_privkey_t rsa2048;        /* shared, lazy */
  gnutls_x509_privkey_t rsa1024;        /* shared, lazy */
  guint64 next_serial;
  GHashTable *issuer_of;        /* serial (guint64*) -> Ca* that signed it */
  GPtrArray *files;             /* every path we wrote, to remove */
  guint crl_count;
} PkiPriv;

gchar *
pgsm_test_sha256_hex (const guint8 * data, gsize len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

gchar *
pgsm_test_sha256_hex_colons (const guint8 * data, gsize len)
{
  g_autofree gchar *hex = pgsm_test_sha256_hex (data, len);
  GString *s = g_string_new (NULL);
  gsize i;

  for (i = 0; hex[i] != '\0'; i += 2) {
    if (i > 0)
      g_string_append_c (s, ':');
    g_string_append_c (s, g_ascii_toupper (hex[i]));
    g_string_append_c (s, g_ascii_toupper (hex[i + 1]));
  }
  return g_string_free (s, FALSE);
}

static gnutls_x509_privkey_t
generate_key (PgsmTestKeyType type)
{
  gnutls_x509_privkey_t key;

  CHECK_GNUTLS (gnutls_x509_privkey_init (&key));
  switch (type) {
    case PGSM_TEST_KEY_RSA_2048:
      CHECK_GNUTLS (gnutls_x509_privkey_generate (key, GNUTLS_PK_RSA, 2048, 0));
      break;
    case PGSM_TEST_KEY_RSA_1024:
      /* GnuTLS refuses to make keys it considers weak unless asked */
      CHECK_GNUTLS (gnutls_x509_privkey_generate (key, GNUTLS_PK_RSA, 1024, 0));
      break;
    case PGSM_TEST_KEY_ECDSA_P384:
      CHECK_GNUTLS (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
              GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP384R1), 0));
      break;
    case PGSM_TEST_KEY_ECDSA_P256:
    default:
      CHECK_GNUTLS (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
              GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0));
      break;
  }
  return key;
}

/* A leaf key: fresh for ECDSA, shared per PKI for the slow RSA sizes */
static gnutls_x509_privkey_t
leaf_key (PkiPriv * priv, PgsmTestKeyType type, gboolean * shared)
{
  gnutls_x509_privkey_t *slot = NULL;

  if (type == PGSM_TEST_KEY_RSA_2048)
    slot = &priv->rsa2048;
  else if (type == PGSM_TEST_KEY_RSA_1024)
    slot = &priv->rsa1024;

  *shared = slot != NULL;
  if (slot == NULL)
    return generate_key (type);
  if (*slot == NULL)
    *slot = generate_key (type);
  return *slot;
}

static void
set_serial (gnutls_x509_crt_t crt, guint64 serial)
{
  guint8 buf[8];
  gint i;

  for (i = 7; i >= 0; i--) {
    buf[i] = serial & 0xff;
    serial >>= 8;
  }
  CHECK_GNUTLS (gnutls_x509_crt_set_serial (crt, buf, sizeof (buf)));
}

static void
set_key_ids (gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer)
{
  guint8 id[64];
  size_t id_size = sizeof (id);

  CHECK_GNUTLS (gnutls_x509_crt_get_key_id (crt, 0, id, &id_size));
  CHECK_GNUTLS (gnutls_x509_crt_set_subject_key_id (crt, id, id_size));
  if (issuer != NULL) {
    id_size = sizeof (id);
    CHECK_GNUTLS (gnutls_x509_crt_get_key_id (issuer, 0, id, &id_size));
    CHECK_GNUTLS (gnutls_x509_crt_set_authority_key_id (crt, id, id_size));
  }
}

/* A certificate body, not yet signed */
static gnutls_x509_crt_t
new_crt (PkiPriv * priv, gnutls_x509_privkey_t key, const gchar * dn,
    gint64 not_before, gint64 not_after, gboolean is_ca, gint path_len)
{
  gnutls_x509_crt_t crt;
  time_t now = time (NULL);
  const char *err = NULL;

  CHECK_GNUTLS (gnutls_x509_crt_init (&crt));
  CHECK_GNUTLS (gnutls_x509_crt_set_version (crt, 3));
  set_serial (crt, priv->next_serial++);
  CHECK_GNUTLS (gnutls_x509_crt_set_activation_time (crt, now + not_before));
  CHECK_GNUTLS (gnutls_x509_crt_set_expiration_time (crt, now + not_after));
  if (dn != NULL && gnutls_x509_crt_set_dn (crt, dn, &err) < 0)
    g_error ("test PKI: bad DN '%s' near '%s'", dn, err ? err : "?");
  CHECK_GNUTLS (gnutls_x509_crt_set_key (crt, key));
  CHECK_GNUTLS (gnutls_x509_crt_set_basic_constraints (crt, is_ca,
          is_ca ? path_len : -1));
  if (is_ca)
    CHECK_GNUTLS (gnutls_x509_crt_set_key_usage (crt,
            GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN |
            GNUTLS_KEY_DIGITAL_SIGNATURE));
  return crt;
}

static void
sign_crt (gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer,
    gnutls_x509_privkey_t issuer_key, PgsmTestHash hash)
{
  gnutls_digest_algorithm_t dig =
      hash == PGSM_TEST_HASH_SHA1 ? GNUTLS_DIG_SHA1 : GNUTLS_DIG_SHA256;

  set_key_ids (crt, issuer);
  CHECK_GNUTLS (gnutls_x509_crt_sign2 (crt, issuer ? issuer : crt,
          issuer_key, dig, 0));
}

static gchar *
register_file (PkiPriv * priv, const gchar * dir, const gchar * base,
    const gchar * contents, gssize len)
{
  g_autoptr (GError) error = NULL;
  gchar *path = g_build_filename (dir, base, NULL);

  if (!g_file_set_contents (path, contents, len, &error))
    g_error ("test PKI: cannot write %s: %s", path, error->message);
  g_ptr_array_add (priv->files, g_strdup (path));
  return path;
}

static gchar *
crt_to_pem (gnutls_x509_crt_t crt)
{
  gnutls_datum_t out = { NULL, 0 };
  gchar *pem;

  CHECK_GNUTLS (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &out));
  pem = g_strndup ((const gchar *) out.data, out.size);
  gnutls_free (out.data);
  return pem;
}

static void
crt_to_der (gnutls_x509_crt_t crt, gnutls_datum_t * der)
{
  gnutls_datum_t out = { NULL, 0 };

  CHECK_GNUTLS (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_DER, &out));
  der->data = g_memdup2 (out.data, out.size);
  der->size = out.size;
  gnutls_free (out.data);
}

static gchar *
key_to_pem (gnutls_x509_privkey_t key)
{
  gnutls_datum_t out = { NULL, 0 };
  gchar *pem;

  CHECK_GNUTLS (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM,
          NULL, GNUTLS_PKCS_PLAIN, &out));
  pem = g_strndup ((const gchar *) out.data, out.size);
  gnutls_free (out.data);
  return pem;
}

static void
make_ca (PkiPriv * priv, Ca * ca, const gchar * dn, Ca * issuer, gint path_len)
{
  ca->key = generate_key (PGSM_TEST_KEY_ECDSA_P256);
  ca->crt = new_crt (priv, ca->key, dn, -30 * DAY, 3650 * DAY, TRUE, path_len);
  if (issuer)
    sign_crt (ca->crt, issuer->crt, issuer->key, PGSM_TEST_HASH_SHA256);
  else
    sign_crt (ca->crt, NULL, ca->key, PGSM_TEST_HASH_SHA256);
}

PgsmTestPki *
pgsm_test_pki_new_tmp (const gchar * prefix)
{
  gchar *tmpl = g_strdup_printf ("%s-XXXXXX", prefix);
  gchar *dir = g_dir_make_tmp (tmpl, NULL);
  PgsmTestPki *pki = dir ? pgsm_test_pki_new (dir) : NULL;

  g_free (dir);
  g_free (tmpl);
  return pki;
}

PgsmTestPki *
pgsm_test_pki_new (const gchar * dir)
{
  PgsmTestPki *pki = g_new0 (PgsmTestPki, 1);
  PkiPriv *priv = g_new0 (PkiPriv, 1);
  g_autofree gchar *root_pem = NULL, *other_pem = NULL, *inter_pem = NULL;
  g_autofree gchar *bundle = NULL;
  gnutls_datum_t der;

  g_return_val_if_fail (dir != NULL, NULL);

  pki->priv = priv;
  pki->dir = g_strdup (dir);
  priv->files = g_ptr_array_new_with_free_func (g_free);
  priv->issuer_of = g_hash_table_new_full (g_int64_hash, g_int64_equal,
      g_free, NULL);
  /* Serials differ between runs, as in a real PKI */
  priv->next_serial = ((guint64) g_random_int_range (1, 0x7fff) << 32) | 1;

  make_ca (priv, &priv->root, "CN=gst-pgsm Test Root CA,O=gst-pgsm tests",
      NULL, -1);
  make_ca (priv, &priv->intermediate,
      "CN=gst-pgsm Test Intermediate CA,O=gst-pgsm tests", &priv->root, 0);
  make_ca (priv, &priv->other_root,
      "CN=Unknown Test Root CA,O=Somebody else", NULL, -1);

  root_pem = crt_to_pem (priv->root.crt);
  inter_pem = crt_to_pem (priv->intermediate.crt);
  other_pem = crt_to_pem (priv->other_root.crt);
  bundle = g_strconcat (root_pem, other_pem, NULL);

  pki->root_ca_file = register_file (priv, dir, "root-ca.pem", root_pem, -1);
  pki->intermediate_file = register_file (priv, dir, "intermediate-ca.pem",
      inter_pem, -1);
  pki->other_root_ca_file = register_file (priv, dir, "other-root-ca.pem",
      other_pem, -1);
  pki->ca_bundle_file = register_file (priv, dir, "ca-bundle.pem", bundle, -1);

  crt_to_der (priv->root.crt, &der);
  pki->root_sha256 = pgsm_test_sha256_hex (der.data, der.size);
  g_free (der.data);

  return pki;
}

static void
ca_clear (Ca * ca)
{
  if (ca->crt)
    gnutls_x509_crt_deinit (ca->crt);
  if (ca->key)
    gnutls_x509_privkey_deinit (ca->key);
  ca->crt = NULL;
  ca->key = NULL;
}

/* Files issued in a forked test process (check's CK_FORK) are not in the
 * parent's list: remove whatever has our suffixes */
static void
remove_leftovers (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL) {
    if (g_str_has_suffix (name, ".pem") || g_str_has_suffix (name, ".crt") ||
        g_str_has_suffix (name, ".key")) {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  }
  g_dir_close (d);
}

void
pgsm_test_pki_free (PgsmTestPki * pki)
{
  PkiPriv *priv;
  guint i;

  if (pki == NULL)
    return;
  priv = pki->priv;
  for (i = 0; i < priv->files->len; i++)
    g_unlink (g_ptr_array_index (priv->files, i));
  remove_leftovers (pki->dir);
  g_rmdir (pki->dir);           /* only if empty: fine to fail */

  ca_clear (&priv->root);
  ca_clear (&priv->intermediate);
  ca_clear (&priv->other_root);
  ca_clear (&priv->ee_issuer);
  g_free (priv->ee_issuer_der.data);
  if (priv->rsa2048)
    gnutls_x509_privkey_deinit (priv->rsa2048);
  if (priv->rsa1024)
    gnutls_x509_privkey_deinit (priv->rsa1024);
  g_ptr_array_unref (priv->files);
  g_hash_table_unref (priv->issuer_of);
  g_free (priv);

  g_free (pki->dir);
  g_free (pki->root_ca_file);
  g_free (pki->intermediate_file);
  g_free (pki->ca_bundle_file);
  g_free (pki->other_root_ca_file);
  g_free (pki->root_sha256);
  g_free (pki);
}

/* The end-entity certificate (CA:FALSE) that SIGNER_LEAF uses as issuer */
static Ca *
ee_issuer (PkiPriv * priv)
{
  Ca *ca = &priv->ee_issuer;
  const char *server_oid = GNUTLS_KP_TLS_WWW_SERVER;

  if (ca->crt != NULL)
    return ca;
  ca->key = generate_key (PGSM_TEST_KEY_ECDSA_P256);
  ca->crt = new_crt (priv, ca->key, "CN=not-a-ca.test,O=gst-pgsm tests",
      -DAY, 30 * DAY, FALSE, -1);
  CHECK_GNUTLS (gnutls_x509_crt_set_key_usage (ca->crt,
          GNUTLS_KEY_DIGITAL_SIGNATURE));
  CHECK_GNUTLS (gnutls_x509_crt_set_key_purpose_oid (ca->crt, server_oid, 0));
  CHECK_GNUTLS (gnutls_x509_crt_set_subject_alt_name (ca->crt,
          GNUTLS_SAN_DNSNAME, "not-a-ca.test", strlen ("not-a-ca.test"),
          GNUTLS_FSAN_APPEND));
  sign_crt (ca->crt, priv->intermediate.crt, priv->intermediate.key,
      PGSM_TEST_HASH_SHA256);
  crt_to_der (ca->crt, &priv->ee_issuer_der);
  return ca;
}

static void
add_sans (gnutls_x509_crt_t crt, const PgsmTestCertSpec * spec)
{
  guint i;

  for (i = 0; spec->dns && spec->dns[i]; i++)
    CHECK_GNUTLS (gnutls_x509_crt_set_subject_alt_name (crt,
            GNUTLS_SAN_DNSNAME, spec->dns[i], strlen (spec->dns[i]),
            GNUTLS_FSAN_APPEND));
  for (i = 0; spec->ips && spec->ips[i]; i++) {
    g_autoptr (GInetAddress) addr =
        g_inet_address_new_from_string (spec->ips[i]);

    if (addr == NULL)
      g_error ("test PKI: '%s' is not an IP address", spec->ips[i]);
    CHECK_GNUTLS (gnutls_x509_crt_set_subject_alt_name (crt,
            GNUTLS_SAN_IPADDRESS, g_inet_address_to_bytes (addr),
            g_inet_address_get_native_size (addr), GNUTLS_FSAN_APPEND));
  }
  for (i = 0; spec->uris && spec->uris[i]; i++)
    CHECK_GNUTLS (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_URI,
            spec->uris[i], strlen (spec->uris[i]), GNUTLS_FSAN_APPEND));
}

static void
add_leaf_extensions (gnutls_x509_crt_t crt, const PgsmTestCertSpec * spec)
{
  guint usage = GNUTLS_KEY_DIGITAL_SIGNATURE;

  if (spec->key == PGSM_TEST_KEY_RSA_2048
      || spec->key == PGSM_TEST_KEY_RSA_1024)
    usage |= GNUTLS_KEY_KEY_ENCIPHERMENT;
  CHECK_GNUTLS (gnutls_x509_crt_set_key_usage (crt, usage));

  if (spec->eku == PGSM_TEST_EKU_SERVER ||
      spec->eku == PGSM_TEST_EKU_SERVER_CLIENT)
    CHECK_GNUTLS (gnutls_x509_crt_set_key_purpose_oid (crt,
            GNUTLS_KP_TLS_WWW_SERVER, 0));
  if (spec->eku == PGSM_TEST_EKU_CLIENT ||
      spec->eku == PGSM_TEST_EKU_SERVER_CLIENT)
    CHECK_GNUTLS (gnutls_x509_crt_set_key_purpose_oid (crt,
            GNUTLS_KP_TLS_WWW_CLIENT, 0));
  add_sans (crt, spec);
}

static gchar *
spki_sha256 (gnutls_x509_crt_t crt)
{
  gnutls_pubkey_t pub;
  gnutls_datum_t out = { NULL, 0 };
  gchar *hex;

  CHECK_GNUTLS (gnutls_pubkey_init (&pub));
  CHECK_GNUTLS (gnutls_pubkey_import_x509 (pub, crt, 0));
  CHECK_GNUTLS (gnutls_pubkey_export2 (pub, GNUTLS_X509_FMT_DER, &out));
  hex = pgsm_test_sha256_hex (out.data, out.size);
  gnutls_free (out.data);
  gnutls_pubkey_deinit (pub);
  return hex;
}

/* Issuer of a leaf and the certificates that go in its chain after it */
static Ca *
pick_signer (PgsmTestPki * pki, const PgsmTestCertSpec * spec,
    GPtrArray * chain_crts)
{
  PkiPriv *priv = pki->priv;

  switch (spec->signer) {
    case PGSM_TEST_SIGNER_ROOT:
      return &priv->root;
    case PGSM_TEST_SIGNER_SELF:
      return NULL;
    case PGSM_TEST_SIGNER_OTHER_ROOT:
      return &priv->other_root;
    case PGSM_TEST_SIGNER_LEAF:{
      Ca *ee = ee_issuer (priv);

      if (!spec->omit_intermediate) {
        g_ptr_array_add (chain_crts, ee->crt);
        g_ptr_array_add (chain_crts, priv->intermediate.crt);
      }
      return ee;
    }
    case PGSM_TEST_SIGNER_INTERMEDIATE:
    default:
      if (!spec->omit_intermediate)
        g_ptr_array_add (chain_crts, priv->intermediate.crt);
      return &priv->intermediate;
  }
}

PgsmTestCert *
pgsm_test_pki_issue (PgsmTestPki * pki, const PgsmTestCertSpec * spec)
{
  PkiPriv *priv;
  PgsmTestCert *cert;
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
  g_autoptr (GPtrArray) chain_crts = NULL;
  g_autoptr (GString) dn = NULL;
  g_autoptr (GString) chain_pem = NULL;
  g_autofree gchar *key_pem = NULL, *base = NULL, *combined = NULL;
  gboolean shared_key;
  Ca *signer;
  guint i;

  g_return_val_if_fail (pki != NULL, NULL);
  g_return_val_if_fail (spec != NULL && spec->name != NULL, NULL);
  priv = pki->priv;

  cert = g_new0 (PgsmTestCert, 1);
  chain_crts = g_ptr_array_new ();

  /* The DN string syntax of GnuTLS wants ',' and '+' escaped */
  dn = g_string_new (NULL);
  if (spec->cn) {
    g_string_append (dn, "CN=");
    for (i = 0; spec->cn[i]; i++) {
      if (strchr (",+\\=\"<>;#", spec->cn[i]))
        g_string_append_c (dn, '\\');
      g_string_append_c (dn, spec->cn[i]);
    }
    g_string_append_c (dn, ',');
  }
  g_string_append (dn, "O=gst-pgsm tests");

  key = leaf_key (priv, spec->key, &shared_key);
  crt = new_crt (priv, key, dn->str,
      spec->not_before ? spec->not_before : -DAY,
      spec->not_after ? spec->not_after : 30 * DAY, FALSE, -1);
  add_leaf_extensions (crt, spec);

  signer = pick_signer (pki, spec, chain_crts);
  if (signer)
    sign_crt (crt, signer->crt, signer->key, spec->hash);
  else
    sign_crt (crt, NULL, key, spec->hash);
  g_ptr_array_insert (chain_crts, 0, crt);

  {
    guint64 *serial = g_new (guint64, 1);

    *serial = priv->next_serial - 1;
    cert->serial = *serial;
    g_hash_table_insert (priv->issuer_of, serial, signer);
  }

  /* Files */
  base = g_strdup_printf ("%s.crt", spec->name);
  cert->cert_pem = crt_to_pem (crt);
  cert->cert_file = register_file (priv, pki->dir, base, cert->cert_pem, -1);

  chain_pem = g_string_new (NULL);
  cert->chain_length = chain_crts->len;
  cert->chain_der = g_new0 (gnutls_datum_t, chain_crts->len);
  for (i = 0; i < chain_crts->len; i++) {
    g_autofree gchar *pem = crt_to_pem (g_ptr_array_index (chain_crts, i));

    g_string_append (chain_pem, pem);
    crt_to_der (g_ptr_array_index (chain_crts, i), &cert->chain_der[i]);
  }
  g_free (base);
  base = g_strdup_printf ("%s-chain.pem", spec->name);
  cert->chain_file = register_file (priv, pki->dir, base, chain_pem->str, -1);

  key_pem = key_to_pem (key);
  g_free (base);
  base = g_strdup_printf ("%s.key", spec->name);
  cert->key_file = register_file (priv, pki->dir, base, key_pem, -1);
  g_chmod (cert->key_file, 0600);

  combined = g_strconcat (key_pem, chain_pem->str, NULL);
  g_free (base);
  base = g_strdup_printf ("%s-combined.pem", spec->name);
  cert->combined_file = register_file (priv, pki->dir, base, combined, -1);
  g_chmod (cert->combined_file, 0600);

  cert->sha256 = pgsm_test_sha256_hex (cert->chain_der[0].data,
      cert->chain_der[0].size);
  cert->spki_sha256 = spki_sha256 (crt);

  gnutls_x509_crt_deinit (crt);
  if (!shared_key)
    gnutls_x509_privkey_deinit (key);

  return cert;
}

PgsmTestCert *
pgsm_test_pki_issue_server (PgsmTestPki * pki, const gchar * name,
    const gchar * dns_name)
{
  const gchar *dns[] = { dns_name, NULL };
  const gchar *ips[] = { "127.0.0.1", "::1", NULL };
  PgsmTestCertSpec spec = { 0, };

  spec.name = name;
  spec.cn = dns_name;
  spec.dns = dns;
  spec.ips = ips;
  return pgsm_test_pki_issue (pki, &spec);
}

const gchar *
pgsm_test_pki_write_crl (PgsmTestPki * pki, const PgsmTestCert * revoked)
{
  return pgsm_test_pki_write_crl_dated (pki, revoked, -DAY, 7 * DAY);
}

const gchar *
pgsm_test_pki_write_crl_dated (PgsmTestPki * pki,
    const PgsmTestCert * revoked, gint64 this_update, gint64 next_update)
{
  PkiPriv *priv;
  gnutls_x509_crl_t crl;
  gnutls_datum_t out = { NULL, 0 };
  Ca *ca = NULL;
  time_t now = time (NULL);
  guint8 id[64], number[4];
  size_t id_size = sizeof (id);
  g_autofree gchar *base = NULL, *pem = NULL;
  gchar *path;

  g_return_val_if_fail (pki != NULL, NULL);
  priv = pki->priv;

  if (revoked)
    ca = g_hash_table_lookup (priv->issuer_of, &revoked->serial);
  /* Self-signed leaves and the non-CA issuer sign no CRL */
  if (ca == NULL || ca == &priv->ee_issuer)
    ca = &priv->intermediate;

  CHECK_GNUTLS (gnutls_x509_crl_init (&crl));
  CHECK_GNUTLS (gnutls_x509_crl_set_version (crl, 2));
  CHECK_GNUTLS (gnutls_x509_crl_set_this_update (crl, now + this_update));
  CHECK_GNUTLS (gnutls_x509_crl_set_next_update (crl, now + next_update));
  priv->crl_count++;
  number[0] = 0;
  number[1] = 0;
  number[2] = (priv->crl_count >> 8) & 0xff;
  number[3] = priv->crl_count & 0xff;
  CHECK_GNUTLS (gnutls_x509_crl_set_number (crl, number, sizeof (number)));
  if (revoked) {
    guint8 serial[8];
    guint64 s = revoked->serial;
    gint i;

    for (i = 7; i >= 0; i--) {
      serial[i] = s & 0xff;
      s >>= 8;
    }
    CHECK_GNUTLS (gnutls_x509_crl_set_crt_serial (crl, serial,
            sizeof (serial), now + MIN (this_update, -3600)));
  }
  CHECK_GNUTLS (gnutls_x509_crt_get_key_id (ca->crt, 0, id, &id_size));
  CHECK_GNUTLS (gnutls_x509_crl_set_authority_key_id (crl, id, id_size));
  CHECK_GNUTLS (gnutls_x509_crl_sign2 (crl, ca->crt, ca->key,
          GNUTLS_DIG_SHA256, 0));
  CHECK_GNUTLS (gnutls_x509_crl_export2 (crl, GNUTLS_X509_FMT_PEM, &out));
  pem = g_strndup ((const gchar *) out.data, out.size);
  gnutls_free (out.data);
  gnutls_x509_crl_deinit (crl);

  base = g_strdup_printf ("crl-%u.pem", priv->crl_count);
  path = register_file (priv, pki->dir, base, pem, -1);
  /* The PKI owns the path: keep it in the file list, hand out that copy */
  g_free (path);
  return g_ptr_array_index (priv->files, priv->files->len - 1);
}

void
pgsm_test_cert_free (PgsmTestCert * cert)
{
  guint i;

  if (cert == NULL)
    return;
  g_free (cert->cert_file);
  g_free (cert->chain_file);
  g_free (cert->key_file);
  g_free (cert->combined_file);
  g_free (cert->cert_pem);
  g_free (cert->sha256);
  g_free (cert->spki_sha256);
  for (i = 0; i < cert->chain_length; i++)
    g_free (cert->chain_der[i].data);
  g_free (cert->chain_der);
  g_free (cert);
}
