/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* libFuzzer target for the certificate verdict path: mutated DER chains
 * into pgsm_tls_verify_chain() (ext/gnutls/pgsmtlsverify.c).
 *
 * At start-up a test PKI is generated with tests/check/pki.h (nothing in the
 * repository expires): a root, an intermediate, a good server leaf
 * ("server.test", 127.0.0.1) and a SIP leaf (sip:example.test). Four
 * verification settings are made from it.
 *
 * Input layout: byte 0 selects
 *   bits 0-1  settings: 0 HOST rules, "server.test"; 1 HOST rules,
 *             "127.0.0.1"; 2 SIP rules, "example.test", with a CRL that
 *             revokes nothing; 3 HOST rules, "server.test", a pin on the good
 *             leaf
 *   bit 2     put the live good leaf first (the input becomes the rest of
 *             the chain)
 *   bit 3     append the live intermediate
 *   bit 4     check against the local clock (now = 0) instead of a fixed
 *             time taken at start-up
 * then up to 8 certificates, each a 2-byte big-endian length and that many
 * DER bytes (a short last one takes what is left).
 *
 * Checks, besides ASan/UBSan and fatal GLib criticals/warnings: a verdict
 * always comes back; a refused chain has reasons; a *trusted* chain (flags
 * 0) must have one of the live leaves as its leaf. Any other trusted leaf is
 * a forged chain getting through, and aborts.
 *
 * With PGSM_FUZZ_WRITE_SEEDS=DIR set, start-up also writes seed inputs made
 * from a fresh PKI into DIR and exits (how tests/fuzz/corpus/cert_chain/ was
 * made). Those seeds chain to a PKI that no longer exists: when replayed
 * they reach every parse and check but are never trusted, except through
 * the live-leaf bits.
 */

#include <string.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "ext/gnutls/pgsmtlsverify.h"
#include "tests/check/pki.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

#define MAX_CERTS 8
#define N_SETTINGS 4

static PgsmTestPki *pki;
static PgsmTestCert *good, *sip_leaf;
static gnutls_datum_t intermediate_der;
static PgsmTlsVerifySettings settings[N_SETTINGS];
static gnutls_certificate_credentials_t creds[N_SETTINGS];
static const gchar *const names[N_SETTINGS] = {
  "server.test", "127.0.0.1", "example.test", "server.test"
};

static time_t fixed_now;

static void
load_intermediate (void)
{
  gchar *pem = NULL;
  gsize len;
  gnutls_datum_t in;
  gnutls_x509_crt_t crt;

  if (!g_file_get_contents (pki->intermediate_file, &pem, &len, NULL))
    g_error ("cannot read the intermediate");
  in.data = (unsigned char *) pem;
  in.size = len;
  if (gnutls_x509_crt_init (&crt) < 0 ||
      gnutls_x509_crt_import (crt, &in, GNUTLS_X509_FMT_PEM) < 0 ||
      gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_DER, &intermediate_der) < 0)
    g_error ("cannot convert the intermediate");
  gnutls_x509_crt_deinit (crt);
  g_free (pem);
}

static void
append_cert (GByteArray * a, const gnutls_datum_t * d)
{
  guint8 len[2] = { d->size >> 8, d->size & 0xff };

  g_byte_array_append (a, len, 2);
  g_byte_array_append (a, d->data, d->size);
}

static void
write_seed (const gchar * dir, const gchar * name, guint8 sel,
    const PgsmTestCert * c, gboolean with_intermediate)
{
  GByteArray *a = g_byte_array_new ();
  gchar *path = g_build_filename (dir, name, NULL);
  guint i;

  g_byte_array_append (a, &sel, 1);
  for (i = 0; c && i < c->chain_length; i++)
    append_cert (a, &c->chain_der[i]);
  if (with_intermediate)
    append_cert (a, &intermediate_der);
  if (!g_file_set_contents (path, (const gchar *) a->data, a->len, NULL))
    g_error ("cannot write %s", path);
  g_free (path);
  g_byte_array_unref (a);
}

/* Seeds: the chains a server could present, good and bad */
static void
write_seeds (const gchar * dir)
{
  static const gchar *dns[] = { "server.test", NULL };
  static const gchar *other_dns[] = { "other.test", NULL };
  static const gchar *uris[] = { "sip:example.test", NULL };
  static const gchar *ips[] = { "127.0.0.1", NULL };
  struct
  {
    const gchar *file;
    guint8 sel;
    PgsmTestCertSpec spec;
  } seeds[] = {
    {"good", 0, {.name = "s-good",.cn = "server.test",.dns = dns,.ips = ips}},
    {"ip", 1, {.name = "s-ip",.ips = ips}},
    {"sip", 2, {.name = "s-sip",.cn = "example.test",.uris = uris}},
    {"pinned", 3, {.name = "s-pin",.cn = "server.test",.dns = dns}},
    {"expired", 0, {.name = "s-exp",.cn = "server.test",.dns = dns,
            .not_before = -60 * 86400,.not_after = -86400}},
    {"not-yet-valid", 0, {.name = "s-nyv",.cn = "server.test",.dns = dns,
            .not_before = 86400,.not_after = 30 * 86400}},
    {"self-signed", 0, {.name = "s-self",.cn = "server.test",.dns = dns,
            .signer = PGSM_TEST_SIGNER_SELF}},
    {"other-root", 0, {.name = "s-other",.cn = "server.test",.dns = dns,
            .signer = PGSM_TEST_SIGNER_OTHER_ROOT}},
    {"wrong-name", 0, {.name = "s-wrong",.cn = "other.test",.dns = other_dns}},
    {"sha1", 0, {.name = "s-sha1",.cn = "server.test",.dns = dns,.hash =
                PGSM_TEST_HASH_SHA1}},
    {"leaf-signer", 0, {.name = "s-leafsig",.cn = "server.test",.dns = dns,
            .signer = PGSM_TEST_SIGNER_LEAF}},
    {"client-eku", 0, {.name = "s-client",.cn = "server.test",.dns = dns,
            .eku = PGSM_TEST_EKU_CLIENT}},
    {"rsa1024", 0, {.name = "s-rsa1024",.cn = "server.test",.dns = dns,
            .key = PGSM_TEST_KEY_RSA_1024}},
    {"no-intermediate", 0, {.name = "s-noint",.cn = "server.test",.dns = dns,
            .omit_intermediate = TRUE}},
    {"root-signed", 0, {.name = "s-root",.cn = "server.test",.dns = dns,
            .signer = PGSM_TEST_SIGNER_ROOT}},
  };
  guint i;

  g_mkdir_with_parents (dir, 0755);
  for (i = 0; i < G_N_ELEMENTS (seeds); i++) {
    PgsmTestCert *c = pgsm_test_pki_issue (pki, &seeds[i].spec);

    write_seed (dir, seeds[i].file, seeds[i].sel, c, FALSE);
    pgsm_test_cert_free (c);
  }
  /* live-leaf modes: the input is only what follows the leaf */
  write_seed (dir, "live-leaf-plus-intermediate", 0x04, NULL, TRUE);
  write_seed (dir, "live-leaf-live-intermediate", 0x0c, NULL, FALSE);
  write_seed (dir, "live-leaf-alone-clock", 0x14, NULL, FALSE);
  write_seed (dir, "empty-chain", 0x00, NULL, FALSE);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  static const gchar *uris[] = { "sip:example.test", NULL };
  PgsmTestCertSpec sip_spec = {.name = "fuzz-sip",.cn = "example.test",
    .uris = uris
  };
  const gchar *seeds = g_getenv ("PGSM_FUZZ_WRITE_SEEDS");
  gchar *dir;
  guint i;

  (void) argc;
  (void) argv;
  g_unsetenv ("GST_DEBUG");
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  gst_init (NULL, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  gnutls_global_init ();

  dir = g_dir_make_tmp ("pgsm-fuzz-pki-XXXXXX", NULL);
  g_assert (dir);
  pki = pgsm_test_pki_new (dir);
  good = pgsm_test_pki_issue_server (pki, "fuzz-good", "server.test");
  sip_leaf = pgsm_test_pki_issue (pki, &sip_spec);
  load_intermediate ();
  fixed_now = time (NULL);

  for (i = 0; i < N_SETTINGS; i++) {
    GError *error = NULL;

    settings[i].ca_file = g_strdup (pki->root_ca_file);
    settings[i].identity = i == 2 ? PGSM_TLS_IDENTITY_SIP :
        PGSM_TLS_IDENTITY_HOST;
    if (i == 2)
      settings[i].crl_file = g_strdup (pgsm_test_pki_write_crl (pki, NULL));
    if (i == 3) {
      settings[i].pinned_sha256 = g_new0 (gchar *, 2);
      settings[i].pinned_sha256[0] = g_strdup (good->sha256);
    }
    creds[i] = pgsm_tls_credentials_new (&settings[i], &error);
    if (creds[i] == NULL)
      g_error ("credentials %u: %s", i, error->message);
  }

  /* the seeds chain to this PKI: write them and stop (the invariant below
   * holds for leaves of the live PKI only) */
  if (seeds) {
    write_seeds (seeds);
    exit (0);
  }
  g_free (dir);
  return 0;
}

static gboolean
is_live_leaf (const gchar * sha256)
{
  return sha256 && (g_str_equal (sha256, good->sha256) ||
      g_str_equal (sha256, sip_leaf->sha256));
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  gnutls_datum_t chain[MAX_CERTS + 2];
  PgsmTlsVerdict *v;
  guint n = 0, s;
  gsize pos = 1;
  guint8 sel;

  if (size < 1 || size > 65536)
    return 0;
  sel = data[0];
  s = sel & 3;
  if (sel & 4) {
    chain[n++] = good->chain_der[0];
  }
  while (pos < size && n < MAX_CERTS + 1) {
    gsize len;

    if (size - pos < 2) {
      len = size - pos;
    } else {
      len = ((gsize) data[pos] << 8) | data[pos + 1];
      pos += 2;
      len = MIN (len, size - pos);
    }
    /* gnutls reads only @size bytes: hand it an exact copy, so ASan sees
     * any read past the end */
    chain[n].data = g_memdup2 (data + pos, len);
    chain[n].size = len;
    n++;
    pos += len;
  }
  if (sel & 8)
    chain[n++] = intermediate_der;

  v = pgsm_tls_verify_chain (n ? chain : NULL, n, creds[s], &settings[s],
      names[s], (sel & 16) ? 0 : fixed_now);
  g_assert (v != NULL);
  if (v->flags != 0) {
    g_assert (v->reasons != NULL && v->reasons[0] != '\0');
  } else if (!is_live_leaf (v->peer_sha256)) {
    g_error ("a chain whose leaf (%s) was not issued by the test PKI was "
        "trusted", v->peer_sha256 ? v->peer_sha256 : "none");
  }
  pgsm_tls_verdict_free (v);

  for (guint i = 0; i < n; i++) {
    if (chain[i].data != good->chain_der[0].data &&
        chain[i].data != intermediate_der.data)
      g_free (chain[i].data);
  }
  return 0;
}
