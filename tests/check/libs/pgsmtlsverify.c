/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The verification policy (ext/gnutls/pgsmtlsverify.c) against the whole
 * matrix of issue 3, on chains from a test PKI made when the suite runs.
 * pgsm_tls_verify_chain needs no network; one test runs real handshakes
 * over a socketpair to cover pgsm_tls_verify_session. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include <signal.h>
#include <string.h>

#include "pgsmtlsverify.h"
#include "pki.h"

#define SERVER "server.test"
#define DAY (24 * 3600)

static gchar *pki_dir;
static PgsmTestPki *pki;

/* The certificates of the matrix, issued once for the whole suite */
enum
{
  C_GOOD, C_EXPIRED, C_NOT_YET, C_SELF, C_OTHER_ROOT, C_SHA1, C_RSA1024,
  C_RSA2048, C_NON_CA, C_NO_INTERMEDIATE, C_CLIENT_ONLY, C_WILDCARD, C_SIP_URI,
  C_SIP_DNS, C_CN_ONLY, C_REVOKED, C_BY_ROOT, C_IP_ONLY, C_SIP_USER_URI,
  C_NO_EKU,
  N_CERTS
};

static PgsmTestCert *certs[N_CERTS];
static const gchar *crl_file;

static const gchar *dns[] = { SERVER, NULL };
static const gchar *ips[] = { "127.0.0.1", "::1", NULL };
static const gchar *wild[] = { "*.example.test", NULL };
static const gchar *sip_uri[] = { "sip:example.test", NULL };
static const gchar *sip_dns[] = { "example.test", NULL };
static const gchar *sip_user_uri[] = { "sip:alice@example.test", NULL };

static const struct
{
  gint id;
  PgsmTestCertSpec spec;
} matrix[] = {
  {C_GOOD, {.name = "good",.cn = SERVER,.dns = dns,.ips = ips}},
  {C_EXPIRED, {.name = "expired",.cn = SERVER,.dns = dns,
          .not_before = -60 * DAY,.not_after = -DAY}},
  {C_NOT_YET, {.name = "not-yet-valid",.cn = SERVER,.dns = dns,
          .not_before = DAY,.not_after = 30 * DAY}},
  {C_SELF, {.name = "self-signed",.cn = SERVER,.dns = dns,
          .signer = PGSM_TEST_SIGNER_SELF}},
  {C_OTHER_ROOT, {.name = "unknown-ca",.cn = SERVER,.dns = dns,
          .signer = PGSM_TEST_SIGNER_OTHER_ROOT}},
  {C_SHA1, {.name = "sha1",.cn = SERVER,.dns = dns,
          .hash = PGSM_TEST_HASH_SHA1}},
  {C_RSA1024, {.name = "rsa1024",.cn = SERVER,.dns = dns,
          .key = PGSM_TEST_KEY_RSA_1024}},
  {C_RSA2048, {.name = "rsa2048",.cn = SERVER,.dns = dns,
          .key = PGSM_TEST_KEY_RSA_2048}},
  {C_NON_CA, {.name = "non-ca-issuer",.cn = SERVER,.dns = dns,
          .signer = PGSM_TEST_SIGNER_LEAF}},
  {C_NO_INTERMEDIATE, {.name = "no-intermediate",.cn = SERVER,.dns = dns,
          .omit_intermediate = TRUE}},
  {C_CLIENT_ONLY, {.name = "client-only",.cn = SERVER,.dns = dns,
          .eku = PGSM_TEST_EKU_CLIENT}},
  {C_WILDCARD, {.name = "wildcard",.cn = "*.example.test",.dns = wild}},
  {C_SIP_URI, {.name = "sip-uri",.cn = "somebody-else.test",
          .uris = sip_uri}},
  {C_SIP_DNS, {.name = "sip-dns",.cn = "example.test",.dns = sip_dns}},
  {C_CN_ONLY, {.name = "cn-only",.cn = SERVER}},
  {C_REVOKED, {.name = "revoked",.cn = SERVER,.dns = dns}},
  {C_BY_ROOT, {.name = "by-root",.cn = SERVER,.dns = dns,
          .signer = PGSM_TEST_SIGNER_ROOT}},
  {C_IP_ONLY, {.name = "ip-only",.cn = "127.0.0.1",.ips = ips}},
  {C_SIP_USER_URI, {.name = "sip-user-uri",.cn = "alice",
          .uris = sip_user_uri}},
  {C_NO_EKU, {.name = "no-eku",.cn = SERVER,.dns = dns,
          .eku = PGSM_TEST_EKU_NONE}},
};

static void
pki_setup (void)
{
  guint i;

  G_STATIC_ASSERT (G_N_ELEMENTS (matrix) == N_CERTS);

  pki_dir = g_dir_make_tmp ("pgsm-tlsverify-XXXXXX", NULL);
  fail_unless (pki_dir != NULL);
  pki = pgsm_test_pki_new (pki_dir);

  for (i = 0; i < G_N_ELEMENTS (matrix); i++)
    certs[matrix[i].id] = pgsm_test_pki_issue (pki, &matrix[i].spec);

  crl_file = pgsm_test_pki_write_crl (pki, certs[C_REVOKED]);
}

static void
pki_teardown (void)
{
  guint i;

  for (i = 0; i < N_CERTS; i++)
    g_clear_pointer (&certs[i], pgsm_test_cert_free);
  g_clear_pointer (&pki, pgsm_test_pki_free);
  g_clear_pointer (&pki_dir, g_free);
}

/* Verification options of one check; zero means: trust our root only,
 * HOST rules, name SERVER, the local clock */
typedef struct
{
  const gchar *ca_file;
  gboolean no_ca;
  gboolean system;
  const gchar *crl;
  const gchar **pins;
  PgsmTlsIdentityRules rules;
  const gchar *name;
  gboolean no_name;
  time_t now;
} Opts;

static PgsmTlsVerdict *
verify_opts (gint id, const Opts * o)
{
  PgsmTlsVerifySettings settings = { 0, };
  gnutls_certificate_credentials_t cred;
  PgsmTlsVerdict *v;
  GError *error = NULL;

  settings.ca_file = o->no_ca ? NULL :
      g_strdup (o->ca_file ? o->ca_file : pki->root_ca_file);
  settings.use_system_ca = o->system;
  settings.crl_file = g_strdup (o->crl);
  settings.pinned_sha256 = g_strdupv ((gchar **) o->pins);
  settings.identity = o->rules;

  cred = pgsm_tls_credentials_new (&settings, &error);
  fail_unless (cred != NULL, "credentials: %s", error ? error->message : "?");
  v = pgsm_tls_verify_chain (certs[id]->chain_der, certs[id]->chain_length,
      cred, &settings, o->no_name ? NULL : o->name ? o->name : SERVER, o->now);
  fail_unless (v != NULL);
  GST_INFO ("cert %d: flags 0x%x reasons: %s", id, v->flags,
      GST_STR_NULL (v->reasons));
  gnutls_certificate_free_credentials (cred);
  pgsm_tls_verify_settings_clear (&settings);
  return v;
}

static PgsmTlsVerdict *
verify (gint id)
{
  Opts o = { 0, };

  return verify_opts (id, &o);
}

#define assert_flags(v, expected) G_STMT_START {                        \
    PgsmTlsVerdict *_v = (v);                                           \
    g_autofree gchar *_got = pgsm_certificate_flags_to_string (_v->flags); \
    g_autofree gchar *_want = pgsm_certificate_flags_to_string (expected); \
    fail_unless_equals_string (_got, _want);                            \
    if ((expected) == 0)                                                \
      fail_unless (_v->reasons == NULL);                                \
    else                                                                \
      fail_unless (_v->reasons != NULL && *_v->reasons != '\0');        \
  } G_STMT_END

#define assert_reason(v, text) G_STMT_START {                          \
    fail_unless ((v)->reasons && strstr ((v)->reasons, text),           \
        "'%s' not in reasons '%s'", text, GST_STR_NULL ((v)->reasons));  \
  } G_STMT_END

/* ------------------------------------------------------------------ */
/* Accepted                                                            */

GST_START_TEST (test_accept_chain_via_intermediate)
{
  g_autoptr (PgsmTlsVerdict) v = verify (C_GOOD);

  assert_flags (v, 0);
  fail_unless_equals_string (v->peer_sha256, certs[C_GOOD]->sha256);
  fail_unless_equals_string (v->peer_pem, certs[C_GOOD]->cert_pem);
  /* names are formatted only for a refusal */
  fail_unless (v->subject == NULL && v->issuer == NULL);
  fail_unless (v->not_after > v->not_before);
}

GST_END_TEST;

GST_START_TEST (test_accept_custom_ca_system_store_off_and_on)
{
  Opts o = { 0, };
  PgsmTlsVerdict *v;

  /* custom CA alone: the default of verify() */
  v = verify (C_GOOD);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  /* several anchors in one CA file */
  o.ca_file = pki->ca_bundle_file;
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  /* custom CA plus the system store */
  o.ca_file = NULL;
  o.system = TRUE;
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  /* the system store alone does not know our private CA */
  o.no_ca = TRUE;
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, PGSM_CERTIFICATE_UNKNOWN_CA);
  pgsm_tls_verdict_free (v);

  /* a leaf signed by the root directly */
  v = verify (C_BY_ROOT);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  /* RSA-2048 and a leaf without extendedKeyUsage are fine */
  v = verify (C_RSA2048);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);
  v = verify (C_NO_EKU);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);
}

GST_END_TEST;

/* Servers often send more than the path to the anchor: the root itself, or
 * an unrelated old certificate after the chain. What is beyond the anchor
 * does not count (and an expired extra does not make the chain expire). */
GST_START_TEST (test_accept_extra_certificates)
{
  PgsmTlsVerifySettings settings = { 0, };
  gnutls_certificate_credentials_t cred;
  gnutls_x509_crt_t root;
  gnutls_datum_t chain[4], pem = { NULL, 0 };
  g_autofree gchar *root_pem = NULL;
  gsize len;
  PgsmTlsVerdict *v;

  fail_unless (g_file_get_contents (pki->root_ca_file, &root_pem, &len, NULL));
  pem.data = (guint8 *) root_pem;
  pem.size = len;
  fail_unless (gnutls_x509_crt_init (&root) >= 0);
  fail_unless (gnutls_x509_crt_import (root, &pem, GNUTLS_X509_FMT_PEM) >= 0);

  chain[0] = certs[C_GOOD]->chain_der[0];
  chain[1] = certs[C_GOOD]->chain_der[1];
  fail_unless (gnutls_x509_crt_export2 (root, GNUTLS_X509_FMT_DER,
          &chain[2]) >= 0);
  chain[3] = certs[C_EXPIRED]->chain_der[0];

  settings.ca_file = pki->root_ca_file;
  cred = pgsm_tls_credentials_new (&settings, NULL);
  fail_unless (cred != NULL);

  v = pgsm_tls_verify_chain (chain, 3, cred, &settings, SERVER, 0);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);
  v = pgsm_tls_verify_chain (chain, 4, cred, &settings, SERVER, 0);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  gnutls_free (chain[2].data);
  gnutls_x509_crt_deinit (root);
  gnutls_certificate_free_credentials (cred);
}

GST_END_TEST;

GST_START_TEST (test_accept_ip_san)
{
  Opts o = { 0, };
  PgsmTlsVerdict *v;
  const gchar *names[] = { "127.0.0.1", "::1", "[::1]",
    "0:0:0:0:0:0:0:1", NULL
  };
  guint i;

  for (i = 0; names[i]; i++) {
    o.name = names[i];
    v = verify_opts (C_GOOD, &o);
    assert_flags (v, 0);
    pgsm_tls_verdict_free (v);
    v = verify_opts (C_IP_ONLY, &o);
    assert_flags (v, 0);
    pgsm_tls_verdict_free (v);
  }

  /* an address matches IP SANs only, never the CN */
  o.name = "127.0.0.2";
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, PGSM_CERTIFICATE_BAD_IDENTITY);
  assert_reason (v, "IP:127.0.0.1");
  assert_reason (v, "IP:::1");
  pgsm_tls_verdict_free (v);
  o.name = "::2";
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, PGSM_CERTIFICATE_BAD_IDENTITY);
  pgsm_tls_verdict_free (v);
}

GST_END_TEST;

GST_START_TEST (test_wildcard_san)
{
  Opts o = { 0, };
  PgsmTlsVerdict *v;
  const gchar *ok[] = { "sip.example.test", "SIP.Example.Test",
    "a.example.test.", NULL
  };
  const gchar *bad[] = { "example.test", "a.b.example.test",
    "sip.example.testx", "xexample.test", NULL
  };
  guint i;

  for (i = 0; ok[i]; i++) {
    o.name = ok[i];
    v = verify_opts (C_WILDCARD, &o);
    assert_flags (v, 0);
    pgsm_tls_verdict_free (v);
  }
  for (i = 0; bad[i]; i++) {
    o.name = bad[i];
    v = verify_opts (C_WILDCARD, &o);
    assert_flags (v, PGSM_CERTIFICATE_BAD_IDENTITY);
    assert_reason (v, "DNS:*.example.test");
    pgsm_tls_verdict_free (v);
  }
}

GST_END_TEST;

GST_START_TEST (test_accept_matching_pins)
{
  Opts o = { 0, };
  PgsmTlsVerdict *v;
  g_autofree gchar *colons = NULL;
  const gchar *pins[3] = { NULL, NULL, NULL };

  /* certificate pin, with a CA */
  pins[0] = certs[C_GOOD]->sha256;
  o.pins = pins;
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  /* SPKI pin, second in the list after a pin of another certificate */
  pins[0] = certs[C_EXPIRED]->sha256;
  pins[1] = certs[C_GOOD]->spki_sha256;
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  /* AB:CD:... as openssl prints it */
  colons = pgsm_test_sha256_hex_colons (certs[C_GOOD]->chain_der[0].data,
      certs[C_GOOD]->chain_der[0].size);
  pins[0] = colons;
  pins[1] = NULL;
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  /* with a CA configured, a matching pin does not replace the chain */
  pins[0] = certs[C_OTHER_ROOT]->sha256;
  v = verify_opts (C_OTHER_ROOT, &o);
  assert_flags (v, PGSM_CERTIFICATE_UNKNOWN_CA);
  pgsm_tls_verdict_free (v);

  /* pin-only mode (no CA configured): the pin establishes trust, even for
   * a self-signed certificate ... */
  o.no_ca = TRUE;
  pins[0] = certs[C_SELF]->sha256;
  v = verify_opts (C_SELF, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);
  pins[0] = certs[C_OTHER_ROOT]->spki_sha256;
  v = verify_opts (C_OTHER_ROOT, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  /* ... but every other check still holds */
  pins[0] = certs[C_EXPIRED]->sha256;
  v = verify_opts (C_EXPIRED, &o);
  assert_flags (v, PGSM_CERTIFICATE_EXPIRED);
  pgsm_tls_verdict_free (v);
  pins[0] = certs[C_SELF]->sha256;
  o.name = "other.test";
  v = verify_opts (C_SELF, &o);
  assert_flags (v, PGSM_CERTIFICATE_BAD_IDENTITY);
  pgsm_tls_verdict_free (v);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Refused, each with its exact flag                                    */

GST_START_TEST (test_refuse_expired)
{
  g_autoptr (PgsmTlsVerdict) v = verify (C_EXPIRED);

  assert_flags (v, PGSM_CERTIFICATE_EXPIRED);
  assert_reason (v, "certificate 'CN=" SERVER ",O=gst-pgsm tests' expired on ");
  assert_reason (v, " UTC; the local clock says ");
  assert_reason (v, "fix the device clock");
  /* a refusal names the certificate for the error's debug string */
  fail_unless (strstr (v->subject, "CN=" SERVER) != NULL);
  fail_unless (strstr (v->issuer, "Intermediate") != NULL);
}

GST_END_TEST;

GST_START_TEST (test_refuse_not_yet_valid)
{
  g_autoptr (PgsmTlsVerdict) v = verify (C_NOT_YET);

  assert_flags (v, PGSM_CERTIFICATE_NOT_ACTIVATED);
  assert_reason (v, "is not valid before ");
  assert_reason (v, "the local clock says");
}

GST_END_TEST;

GST_START_TEST (test_verify_at_time)
{
  Opts o = { 0, };
  PgsmTlsVerdict *v;
  g_autofree gchar *clock = NULL;
  g_autoptr (GDateTime) dt = NULL;

  o.now = time (NULL) + 60 * DAY;
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, PGSM_CERTIFICATE_EXPIRED);
  /* the sentence shows the time we checked against */
  dt = g_date_time_new_from_unix_utc (o.now);
  clock = g_date_time_format (dt, "the local clock says %Y-%m-%d %H:%M:%S UTC");
  assert_reason (v, clock);
  pgsm_tls_verdict_free (v);

  o.now = time (NULL) - 2 * DAY;
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, PGSM_CERTIFICATE_NOT_ACTIVATED);
  pgsm_tls_verdict_free (v);

  /* the expired certificate was fine two days before it expired */
  o.now = time (NULL) - 2 * DAY;
  v = verify_opts (C_EXPIRED, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);
}

GST_END_TEST;

GST_START_TEST (test_refuse_self_signed)
{
  g_autoptr (PgsmTlsVerdict) v = verify (C_SELF);

  assert_flags (v, PGSM_CERTIFICATE_SELF_SIGNED);
  assert_reason (v, "is self-signed");
}

GST_END_TEST;

GST_START_TEST (test_self_signed_imported_as_ca_file)
{
  Opts o = { 0, };
  g_autoptr (PgsmTlsVerdict) v = NULL;

  /* A user who imports the server's own certificate trusts it */
  o.ca_file = certs[C_SELF]->cert_file;
  v = verify_opts (C_SELF, &o);
  assert_flags (v, 0);
}

GST_END_TEST;

GST_START_TEST (test_refuse_name_mismatch)
{
  Opts o = { 0, };
  PgsmTlsVerdict *v;

  o.name = "mitm.test";
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, PGSM_CERTIFICATE_BAD_IDENTITY);
  assert_reason (v, "is not valid for 'mitm.test': it names DNS:" SERVER
      ", IP:127.0.0.1, IP:::1, CN:" SERVER);
  pgsm_tls_verdict_free (v);

  /* a certificate with a DNS SAN: its CN is not an identity */
  o.name = SERVER;
  v = verify_opts (C_CN_ONLY, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);
  v = verify_opts (C_SIP_DNS, &o);
  assert_flags (v, PGSM_CERTIFICATE_BAD_IDENTITY);
  pgsm_tls_verdict_free (v);
}

GST_END_TEST;

GST_START_TEST (test_refuse_unknown_ca)
{
  Opts o = { 0, };
  PgsmTlsVerdict *v;

  v = verify (C_OTHER_ROOT);
  assert_flags (v, PGSM_CERTIFICATE_UNKNOWN_CA);
  assert_reason (v, "Unknown Test Root CA");
  pgsm_tls_verdict_free (v);

  /* trusted once its root is imported */
  o.ca_file = pki->ca_bundle_file;
  v = verify_opts (C_OTHER_ROOT, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  /* and our chain is unknown to someone who trusts only the other root */
  o.ca_file = pki->other_root_ca_file;
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, PGSM_CERTIFICATE_UNKNOWN_CA);
  pgsm_tls_verdict_free (v);
}

GST_END_TEST;

GST_START_TEST (test_refuse_revoked)
{
  Opts o = { 0, };
  PgsmTlsVerdict *v;

  /* without the CRL nobody knows */
  v = verify (C_REVOKED);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  o.crl = crl_file;
  v = verify_opts (C_REVOKED, &o);
  assert_flags (v, PGSM_CERTIFICATE_REVOKED);
  assert_reason (v, "revoked");
  pgsm_tls_verdict_free (v);

  /* the CRL does not touch the others */
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  /* a CRL that goes out of date (nextUpdate passed, here: checked 8 days
   * later) fails closed, for the revoked certificate and for the others */
  o.now = time (NULL) + 8 * DAY;
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, PGSM_CERTIFICATE_GENERIC_ERROR);
  assert_reason (v, "is out of date: its next update was due on");
  pgsm_tls_verdict_free (v);
  v = verify_opts (C_REVOKED, &o);
  fail_unless (v->flags & PGSM_CERTIFICATE_GENERIC_ERROR);
  pgsm_tls_verdict_free (v);
  o.now = 0;

  /* an empty CRL of the intermediate revokes nothing */
  o.crl = pgsm_test_pki_write_crl (pki, NULL);
  v = verify_opts (C_REVOKED, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);
}

GST_END_TEST;

GST_START_TEST (test_refuse_sha1)
{
  g_autoptr (PgsmTlsVerdict) v = verify (C_SHA1);

  assert_flags (v, PGSM_CERTIFICATE_INSECURE_ALGORITHM);
  assert_reason (v, "SHA1");
}

GST_END_TEST;

GST_START_TEST (test_refuse_rsa1024)
{
  g_autoptr (PgsmTlsVerdict) v = verify (C_RSA1024);

  assert_flags (v, PGSM_CERTIFICATE_WEAK_KEY);
  assert_reason (v, "1024-bit RSA key");
}

GST_END_TEST;

GST_START_TEST (test_refuse_non_ca_issuer)
{
  g_autoptr (PgsmTlsVerdict) v = verify (C_NON_CA);

  assert_flags (v, PGSM_CERTIFICATE_NOT_A_CA);
  assert_reason (v, "not-a-ca.test");
}

GST_END_TEST;

GST_START_TEST (test_refuse_non_ca_issuer_unknown_root)
{
  Opts o = { 0, };
  g_autoptr (PgsmTlsVerdict) v = NULL;

  /* both problems are named when the path reaches no anchor either */
  o.ca_file = pki->other_root_ca_file;
  v = verify_opts (C_NON_CA, &o);
  assert_flags (v, PGSM_CERTIFICATE_NOT_A_CA | PGSM_CERTIFICATE_UNKNOWN_CA);
}

GST_END_TEST;

GST_START_TEST (test_refuse_missing_intermediate)
{
  Opts o = { 0, };
  PgsmTlsVerdict *v;

  v = verify (C_NO_INTERMEDIATE);
  assert_flags (v, PGSM_CERTIFICATE_UNKNOWN_CA);
  assert_reason (v, "intermediate");
  pgsm_tls_verdict_free (v);

  /* trusting the intermediate itself as an anchor works */
  o.ca_file = pki->intermediate_file;
  v = verify_opts (C_NO_INTERMEDIATE, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);
}

GST_END_TEST;

GST_START_TEST (test_refuse_client_auth_only)
{
  g_autoptr (PgsmTlsVerdict) v = verify (C_CLIENT_ONLY);

  assert_flags (v, PGSM_CERTIFICATE_BAD_PURPOSE);
  assert_reason (v, "clientAuth");
}

GST_END_TEST;

GST_START_TEST (test_refuse_pin_mismatch)
{
  Opts o = { 0, };
  PgsmTlsVerdict *v;
  const gchar *pins[] = { NULL, NULL };

  /* with a CA: the chain is fine, the pin is an extra requirement */
  pins[0] = certs[C_BY_ROOT]->sha256;
  o.pins = pins;
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, PGSM_CERTIFICATE_PIN_MISMATCH);
  assert_reason (v, certs[C_GOOD]->sha256);
  pgsm_tls_verdict_free (v);

  /* pin-only mode */
  o.no_ca = TRUE;
  v = verify_opts (C_SELF, &o);
  assert_flags (v, PGSM_CERTIFICATE_PIN_MISMATCH);
  pgsm_tls_verdict_free (v);
}

GST_END_TEST;

GST_START_TEST (test_sip_identity)
{
  Opts o = { 0, };
  PgsmTlsVerdict *v;

  o.rules = PGSM_TLS_IDENTITY_SIP;

  /* no wildcards for SIP domains */
  o.name = "sip.example.test";
  v = verify_opts (C_WILDCARD, &o);
  assert_flags (v, PGSM_CERTIFICATE_BAD_IDENTITY);
  assert_reason (v, "RFC 5922");
  pgsm_tls_verdict_free (v);

  /* URI SAN sip:example.test; the CN does not count next to it */
  o.name = "example.test";
  v = verify_opts (C_SIP_URI, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);
  o.name = "somebody-else.test";
  v = verify_opts (C_SIP_URI, &o);
  assert_flags (v, PGSM_CERTIFICATE_BAD_IDENTITY);
  assert_reason (v, "URI:sip:example.test");
  pgsm_tls_verdict_free (v);

  /* the same certificate under HOST rules: a URI is no host name */
  o.rules = PGSM_TLS_IDENTITY_HOST;
  o.name = "example.test";
  v = verify_opts (C_SIP_URI, &o);
  assert_flags (v, PGSM_CERTIFICATE_BAD_IDENTITY);
  pgsm_tls_verdict_free (v);
  o.rules = PGSM_TLS_IDENTITY_SIP;

  /* DNS SAN equal to the domain */
  v = verify_opts (C_SIP_DNS, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  /* a URI with a user part names a user, not the domain */
  v = verify_opts (C_SIP_USER_URI, &o);
  assert_flags (v, PGSM_CERTIFICATE_BAD_IDENTITY);
  pgsm_tls_verdict_free (v);

  /* CN only when there is neither */
  o.name = SERVER;
  v = verify_opts (C_CN_ONLY, &o);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);
}

GST_END_TEST;

GST_START_TEST (test_refuse_missing_server_name)
{
  Opts o = { 0, };
  PgsmTlsVerdict *v;

  o.no_name = TRUE;
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, PGSM_CERTIFICATE_GENERIC_ERROR);
  assert_reason (v, "no server name");
  pgsm_tls_verdict_free (v);

  o.no_name = FALSE;
  o.name = "";
  v = verify_opts (C_GOOD, &o);
  assert_flags (v, PGSM_CERTIFICATE_GENERIC_ERROR);
  pgsm_tls_verdict_free (v);
}

GST_END_TEST;

GST_START_TEST (test_several_reasons)
{
  Opts o = { 0, };
  g_autoptr (PgsmTlsVerdict) v = NULL;

  o.name = "mitm.test";
  v = verify_opts (C_EXPIRED, &o);
  assert_flags (v, PGSM_CERTIFICATE_EXPIRED | PGSM_CERTIFICATE_BAD_IDENTITY);
  assert_reason (v, "expired on");
  assert_reason (v, "is not valid for 'mitm.test'");
}

GST_END_TEST;

static gboolean
credentials_fail (PgsmTlsVerifySettings * settings, const gchar * text)
{
  GError *error = NULL;
  gnutls_certificate_credentials_t cred;

  cred = pgsm_tls_credentials_new (settings, &error);
  fail_unless (cred == NULL);
  fail_unless (error != NULL);
  fail_unless (g_error_matches (error, PGSM_TLS_ERROR,
          PGSM_TLS_ERROR_TRUST_STORE), "%s", error->message);
  fail_unless (strstr (error->message, text) != NULL, "%s", error->message);
  g_error_free (error);
  return TRUE;
}

GST_START_TEST (test_empty_trust_store_is_an_error)
{
  PgsmTlsVerifySettings s = { 0, };
  g_autofree gchar *empty = g_build_filename (pki_dir, "empty.pem", NULL);
  g_autofree gchar *junk = g_build_filename (pki_dir, "junk.pem", NULL);
  gchar *bad_pin[] = { (gchar *) "abcd", NULL };

  fail_unless (g_file_set_contents (empty, "", 0, NULL));
  fail_unless (g_file_set_contents (junk, "not a certificate\n", -1, NULL));

  /* nothing configured */
  credentials_fail (&s, "No trusted CA");

  /* an empty, a junk and a missing CA file, with or without pins */
  s.ca_file = empty;
  credentials_fail (&s, "empty.pem");
  s.ca_file = junk;
  credentials_fail (&s, "junk.pem");
  s.ca_file = (gchar *) "/nonexistent/ca.pem";
  credentials_fail (&s, "/nonexistent/ca.pem");

  /* a pin that is not a SHA-256 */
  s.ca_file = pki->root_ca_file;
  s.pinned_sha256 = bad_pin;
  credentials_fail (&s, "'abcd'");
  s.pinned_sha256 = NULL;

  /* an unreadable CRL fails closed */
  s.crl_file = junk;
  credentials_fail (&s, "junk.pem");

  /* and so does an out-of-date one */
  s.crl_file = (gchar *) pgsm_test_pki_write_crl_dated (pki, NULL, -7 * DAY,
      -DAY);
  credentials_fail (&s, "is out of date");
  s.crl_file = NULL;

  g_unlink (empty);
  g_unlink (junk);
}

GST_END_TEST;

GST_START_TEST (test_bad_input)
{
  PgsmTlsVerifySettings s = { 0, };
  gnutls_certificate_credentials_t cred;
  PgsmTlsVerdict *v;
  guint8 junk[] = { 0x30, 0x82, 0x01, 0x00, 0x02, 0x01 };
  gnutls_datum_t d = { junk, sizeof (junk) };

  s.ca_file = pki->root_ca_file;
  cred = pgsm_tls_credentials_new (&s, NULL);
  fail_unless (cred != NULL);

  v = pgsm_tls_verify_chain (NULL, 0, cred, &s, SERVER, 0);
  assert_flags (v, PGSM_CERTIFICATE_GENERIC_ERROR);
  assert_reason (v, "no certificate");
  pgsm_tls_verdict_free (v);

  v = pgsm_tls_verify_chain (&d, 1, cred, &s, SERVER, 0);
  assert_flags (v, PGSM_CERTIFICATE_GENERIC_ERROR);
  assert_reason (v, "cannot be parsed");
  pgsm_tls_verdict_free (v);

  /* a chain longer than anyone needs */
  {
    gnutls_datum_t many[17];
    guint i;

    for (i = 0; i < G_N_ELEMENTS (many); i++)
      many[i] = certs[C_GOOD]->chain_der[i % 2];
    v = pgsm_tls_verify_chain (many, G_N_ELEMENTS (many), cred, &s, SERVER, 0);
    assert_flags (v, PGSM_CERTIFICATE_GENERIC_ERROR);
    assert_reason (v, "at most 16");
    pgsm_tls_verdict_free (v);
  }

  /* no credentials at all: nothing is trusted */
  v = pgsm_tls_verify_chain (certs[C_GOOD]->chain_der,
      certs[C_GOOD]->chain_length, NULL, &s, SERVER, 0);
  assert_flags (v, PGSM_CERTIFICATE_UNKNOWN_CA);
  pgsm_tls_verdict_free (v);

  gnutls_certificate_free_credentials (cred);
}

GST_END_TEST;

GST_START_TEST (test_settings_copy)
{
  PgsmTlsVerifySettings a = { 0, }, b = { 0, };
  gchar *pins[] = { (gchar *) "00", NULL };

  a.ca_file = (gchar *) "ca.pem";
  a.crl_file = (gchar *) "crl.pem";
  a.use_system_ca = TRUE;
  a.pinned_sha256 = pins;
  a.identity = PGSM_TLS_IDENTITY_SIP;
  pgsm_tls_verify_settings_copy (&b, &a);
  fail_unless_equals_string (b.ca_file, "ca.pem");
  fail_unless_equals_string (b.crl_file, "crl.pem");
  fail_unless (b.pinned_sha256 != pins);
  fail_unless_equals_string (b.pinned_sha256[0], "00");
  fail_unless (b.use_system_ca);
  fail_unless_equals_int (b.identity, PGSM_TLS_IDENTITY_SIP);
  pgsm_tls_verify_settings_clear (&b);
  fail_unless (b.ca_file == NULL && b.pinned_sha256 == NULL);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* The bus error                                                        */

GST_START_TEST (test_post_error)
{
  GstElement *sink;
  GstBus *bus;
  GstMessage *msg;
  GError *error = NULL;
  gchar *debug = NULL;
  const GstStructure *details = NULL;
  PgsmCertificateFlags flags = 0;
  GTlsCertificateFlags tls_flags = 0;
  guint port = 0;
  g_autoptr (PgsmTlsVerdict) v = verify (C_EXPIRED);

  sink = gst_element_factory_make ("fakesink", "sink");
  fail_unless (sink != NULL);
  bus = gst_bus_new ();
  gst_element_set_bus (sink, bus);

  pgsm_tls_verdict_post_error (v, sink, SERVER, 5061);

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (sink));
  gst_message_parse_error (msg, &error, &debug);
  fail_unless (error->domain == PGSM_TLS_ERROR);
  fail_unless_equals_int (error->code, PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED);
  fail_unless_equals_string (error->message,
      "You are attempting to open a secure connection, but the server's "
      "certificate is not trusted. Please contact your system administrator");
  fail_unless (strstr (debug, "expired on") != NULL, "%s", debug);
  fail_unless (strstr (debug, "the local clock says") != NULL);
  fail_unless (strstr (debug, SERVER ":5061") != NULL, "%s", debug);
  fail_unless (strstr (debug, "issuer 'CN=gst-pgsm Test Intermediate CA")
      != NULL, "%s", debug);
  fail_unless (strstr (debug, certs[C_EXPIRED]->sha256) != NULL);

  gst_message_parse_error_details (msg, &details);
  fail_unless (details != NULL);
  fail_unless (gst_structure_has_name (details, PGSM_CERTIFICATE_DETAILS_NAME));
  fail_unless (gst_structure_get (details, "flags",
          PGSM_TYPE_CERTIFICATE_FLAGS, &flags, "tls-flags",
          G_TYPE_TLS_CERTIFICATE_FLAGS, &tls_flags, "port", G_TYPE_UINT,
          &port, NULL));
  fail_unless_equals_int (flags, PGSM_CERTIFICATE_EXPIRED);
  fail_unless_equals_int (tls_flags, G_TLS_CERTIFICATE_EXPIRED);
  fail_unless_equals_int (port, 5061);
  fail_unless_equals_string (gst_structure_get_string (details, "host"),
      SERVER);
  fail_unless_equals_string (gst_structure_get_string (details, "reasons"),
      "expired");
  fail_unless_equals_string (gst_structure_get_string (details,
          "certificate-pem"), certs[C_EXPIRED]->cert_pem);
  fail_unless_equals_string (gst_structure_get_string (details,
          "certificate-sha256"), certs[C_EXPIRED]->sha256);

  g_error_free (error);
  g_free (debug);
  gst_message_unref (msg);
  gst_element_set_bus (sink, NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
}

GST_END_TEST;

GST_START_TEST (test_handshake_error_verdict)
{
  PgsmTlsVerdict *v;

  v = pgsm_tls_verdict_new_for_handshake_error
      (GNUTLS_E_UNSUPPORTED_VERSION_PACKET);
  assert_flags (v, PGSM_CERTIFICATE_INSECURE_PROTOCOL);
  assert_reason (v, "older than 1.2");
  fail_unless (v->peer_pem == NULL && v->subject == NULL);
  pgsm_tls_verdict_free (v);

  v = pgsm_tls_verdict_new_for_handshake_error (GNUTLS_E_DECRYPTION_FAILED);
  assert_flags (v, PGSM_CERTIFICATE_GENERIC_ERROR);
  pgsm_tls_verdict_free (v);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Sessions over a socketpair                                          */

typedef struct
{
  int fd;
  const PgsmTestCert *cert;
  const gchar *priority;
  int result;
  gchar sni[256];               /* the server name the client sent */
} Server;

static gpointer
server_thread (gpointer data)
{
  Server *s = data;
  gnutls_certificate_credentials_t cred;
  gnutls_session_t session;
  int ret;

  gnutls_certificate_allocate_credentials (&cred);
  ret = gnutls_certificate_set_x509_key_file (cred, s->cert->chain_file,
      s->cert->key_file, GNUTLS_X509_FMT_PEM);
  g_assert (ret >= 0);
  gnutls_init (&session, GNUTLS_SERVER);
  gnutls_priority_set_direct (session, s->priority ? s->priority : "NORMAL",
      NULL);
  gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, cred);
  gnutls_transport_set_int (session, s->fd);
  gnutls_handshake_set_timeout (session, 20000);
  do {
    ret = gnutls_handshake (session);
  } while (ret < 0 && !gnutls_error_is_fatal (ret));
  s->result = ret;
  {
    size_t size = sizeof (s->sni);
    unsigned int type;

    if (gnutls_server_name_get (session, s->sni, &size, &type, 0) < 0)
      s->sni[0] = '\0';
  }
  if (ret >= 0) {
    gnutls_record_send (session, "hello", 5);
    gnutls_bye (session, GNUTLS_SHUT_WR);
  }
  gnutls_deinit (session);
  gnutls_certificate_free_credentials (cred);
  close (s->fd);
  return NULL;
}

/* A server that answers any hello with a fatal TLS alert record */
static gpointer
alert_server_thread (gpointer data)
{
  Server *s = data;
  guint8 buf[4096];
  /* alert record: type 21, version 3.1, length 2, fatal (2), description */
  guint8 alert[] = { 21, 3, 1, 0, 2, 2, 0 };

  alert[6] = s->result;
  if (read (s->fd, buf, sizeof (buf)) > 0)
    g_assert (write (s->fd, alert, sizeof (alert)) == sizeof (alert));
  close (s->fd);
  return NULL;
}

static PgsmTlsVerdict *
handshake_alert (guint8 alert)
{
  PgsmTlsVerifySettings settings = { 0, };
  gnutls_certificate_credentials_t cred;
  gnutls_session_t session;
  PgsmTlsVerdict *v;
  Server server = { 0, };
  GThread *thread;
  int sv[2], ret;

  signal (SIGPIPE, SIG_IGN);
  fail_unless (socketpair (AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  server.fd = sv[1];
  server.result = alert;
  thread = g_thread_new ("alert-server", alert_server_thread, &server);

  settings.ca_file = g_strdup (pki->root_ca_file);
  cred = pgsm_tls_credentials_new (&settings, NULL);
  fail_unless (cred != NULL);
  gnutls_init (&session, GNUTLS_CLIENT);
  fail_unless (pgsm_tls_session_setup_client (session, cred, SERVER, NULL));
  gnutls_transport_set_int (session, sv[0]);
  gnutls_handshake_set_timeout (session, 20000);
  do {
    ret = gnutls_handshake (session);
  } while (ret < 0 && !gnutls_error_is_fatal (ret));
  fail_unless_equals_int (ret, GNUTLS_E_FATAL_ALERT_RECEIVED);
  v = pgsm_tls_verdict_new_for_session_error (session, ret);

  gnutls_deinit (session);
  close (sv[0]);
  g_thread_join (thread);
  gnutls_certificate_free_credentials (cred);
  pgsm_tls_verify_settings_clear (&settings);
  return v;
}

GST_START_TEST (test_session_error_alerts)
{
  PgsmTlsVerdict *v;

  /* what an OpenSSL server limited to TLS 1.0/1.1 answers */
  v = handshake_alert (GNUTLS_A_PROTOCOL_VERSION);
  assert_flags (v, PGSM_CERTIFICATE_INSECURE_PROTOCOL);
  assert_reason (v, "protocol_version");
  pgsm_tls_verdict_free (v);

  v = handshake_alert (GNUTLS_A_INSUFFICIENT_SECURITY);
  assert_flags (v, PGSM_CERTIFICATE_INSECURE_PROTOCOL);
  pgsm_tls_verdict_free (v);

  v = handshake_alert (GNUTLS_A_INTERNAL_ERROR);
  assert_flags (v, PGSM_CERTIFICATE_GENERIC_ERROR);
  pgsm_tls_verdict_free (v);

  /* without an alert it is the same as the error alone */
  v = pgsm_tls_verdict_new_for_session_error (NULL,
      GNUTLS_E_UNSUPPORTED_VERSION_PACKET);
  assert_flags (v, PGSM_CERTIFICATE_INSECURE_PROTOCOL);
  pgsm_tls_verdict_free (v);
}

GST_END_TEST;

/* One handshake against a server presenting @id; returns the verdict, or
 * the handshake-error verdict */
static PgsmTlsVerdict *
handshake_full (gint id, const gchar * server_priority, const gchar * name,
    gchar ** sni, const PgsmTlsVerifySettings * with)
{
  PgsmTlsVerifySettings settings = { 0, };
  gnutls_certificate_credentials_t cred;
  gnutls_session_t session;
  PgsmTlsVerdict *v;
  Server server = { 0, };
  GThread *thread;
  GError *error = NULL;
  int sv[2], ret;

  /* the server may write to a client that already hung up */
  signal (SIGPIPE, SIG_IGN);
  fail_unless (socketpair (AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  server.fd = sv[1];
  server.cert = certs[id];
  server.priority = server_priority;
  thread = g_thread_new ("tls-server", server_thread, &server);

  if (with)
    pgsm_tls_verify_settings_copy (&settings, with);
  else
    settings.ca_file = g_strdup (pki->root_ca_file);
  cred = pgsm_tls_credentials_new (&settings, &error);
  fail_unless (cred != NULL);
  gnutls_init (&session, GNUTLS_CLIENT);
  fail_unless (pgsm_tls_session_setup_client (session, cred, name, &error));
  gnutls_transport_set_int (session, sv[0]);
  gnutls_handshake_set_timeout (session, 20000);
  do {
    ret = gnutls_handshake (session);
  } while (ret < 0 && !gnutls_error_is_fatal (ret));
  if (ret < 0) {
    v = pgsm_tls_verdict_new_for_handshake_error (ret);
  } else {
    v = pgsm_tls_verify_session (session, cred, &settings, name);
    fail_unless (gnutls_protocol_get_version (session) >= GNUTLS_TLS1_2);
  }
  GST_INFO ("handshake %d: ret %d flags 0x%x: %s", id, ret, v->flags,
      GST_STR_NULL (v->reasons));
  /* closing our end ends the server's wait */
  gnutls_deinit (session);
  close (sv[0]);
  g_thread_join (thread);
  gnutls_certificate_free_credentials (cred);
  pgsm_tls_verify_settings_clear (&settings);
  if (sni)
    *sni = g_strdup (server.sni);
  return v;
}

static PgsmTlsVerdict *
handshake (gint id, const gchar * server_priority, const gchar * name)
{
  return handshake_full (id, server_priority, name, NULL, NULL);
}

GST_START_TEST (test_session_verify)
{
  PgsmTlsVerdict *v;

  v = handshake (C_GOOD, NULL, SERVER);
  assert_flags (v, 0);
  fail_unless_equals_string (v->peer_sha256, certs[C_GOOD]->sha256);
  pgsm_tls_verdict_free (v);

  v = handshake (C_GOOD, NULL, "127.0.0.1");
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  v = handshake (C_EXPIRED, NULL, SERVER);
  assert_flags (v, PGSM_CERTIFICATE_EXPIRED);
  pgsm_tls_verdict_free (v);

  v = handshake (C_GOOD, NULL, "mitm.test");
  assert_flags (v, PGSM_CERTIFICATE_BAD_IDENTITY);
  pgsm_tls_verdict_free (v);

  v = handshake (C_NO_INTERMEDIATE, NULL, SERVER);
  assert_flags (v, PGSM_CERTIFICATE_UNKNOWN_CA);
  pgsm_tls_verdict_free (v);

  v = handshake (C_SELF, NULL, SERVER);
  assert_flags (v, PGSM_CERTIFICATE_SELF_SIGNED);
  pgsm_tls_verdict_free (v);

  v = handshake (C_RSA2048, NULL, SERVER);
  assert_flags (v, 0);
  pgsm_tls_verdict_free (v);

  /* weak keys and SHA-1 get through the handshake and are named after it */
  v = handshake (C_RSA1024, NULL, SERVER);
  assert_flags (v, PGSM_CERTIFICATE_WEAK_KEY);
  pgsm_tls_verdict_free (v);

  v = handshake (C_SHA1, NULL, SERVER);
  assert_flags (v, PGSM_CERTIFICATE_INSECURE_ALGORITHM);
  pgsm_tls_verdict_free (v);

  v = handshake (C_NON_CA, NULL, SERVER);
  assert_flags (v, PGSM_CERTIFICATE_NOT_A_CA);
  pgsm_tls_verdict_free (v);

  v = handshake (C_CLIENT_ONLY, NULL, SERVER);
  assert_flags (v, PGSM_CERTIFICATE_BAD_PURPOSE);
  pgsm_tls_verdict_free (v);

  /* revocation through a session */
  {
    PgsmTlsVerifySettings with_crl = { 0, };

    with_crl.ca_file = pki->root_ca_file;
    with_crl.crl_file = (gchar *) crl_file;
    v = handshake_full (C_REVOKED, NULL, SERVER, NULL, &with_crl);
    assert_flags (v, PGSM_CERTIFICATE_REVOKED);
    pgsm_tls_verdict_free (v);
    v = handshake_full (C_GOOD, NULL, SERVER, NULL, &with_crl);
    assert_flags (v, 0);
    pgsm_tls_verdict_free (v);
  }

  /* pin-only mode through a session: a pinned self-signed server */
  {
    PgsmTlsVerifySettings pinned = { 0, };
    gchar *pins[] = { certs[C_SELF]->spki_sha256, NULL };

    pinned.pinned_sha256 = pins;
    v = handshake_full (C_SELF, NULL, SERVER, NULL, &pinned);
    assert_flags (v, 0);
    pgsm_tls_verdict_free (v);
    v = handshake_full (C_GOOD, NULL, SERVER, NULL, &pinned);
    assert_flags (v, PGSM_CERTIFICATE_PIN_MISMATCH);
    pgsm_tls_verdict_free (v);

    /* with a CA, a pinned chain that does not verify is still refused */
    pinned.ca_file = pki->root_ca_file;
    v = handshake_full (C_SELF, NULL, SERVER, NULL, &pinned);
    assert_flags (v, PGSM_CERTIFICATE_SELF_SIGNED);
    pgsm_tls_verdict_free (v);
  }

  /* a TLS 1.1-only server */
  v = handshake (C_GOOD, "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0", SERVER);
  assert_flags (v, PGSM_CERTIFICATE_INSECURE_PROTOCOL);
  pgsm_tls_verdict_free (v);
}

GST_END_TEST;

GST_START_TEST (test_session_sni)
{
  PgsmTlsVerdict *v;
  gchar *sni = NULL;

  /* a DNS name is sent in ASCII lower case, without its trailing dot */
  v = handshake_full (C_GOOD, NULL, "Server.Test.", &sni, NULL);
  assert_flags (v, 0);
  fail_unless_equals_string (sni, "server.test");
  pgsm_tls_verdict_free (v);
  g_free (sni);

  /* never an address */
  v = handshake_full (C_GOOD, NULL, "::1", &sni, NULL);
  assert_flags (v, 0);
  fail_unless_equals_string (sni, "");
  pgsm_tls_verdict_free (v);
  g_free (sni);

  v = handshake_full (C_GOOD, NULL, "127.0.0.1", &sni, NULL);
  assert_flags (v, 0);
  fail_unless_equals_string (sni, "");
  pgsm_tls_verdict_free (v);
  g_free (sni);
}

GST_END_TEST;

static Suite *
pgsmtlsverify_suite (void)
{
  Suite *s = suite_create ("pgsmtlsverify");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  /* unchecked: made once, before the forks of the tests */
  tcase_add_unchecked_fixture (tc, pki_setup, pki_teardown);
  tcase_add_test (tc, test_accept_chain_via_intermediate);
  tcase_add_test (tc, test_accept_custom_ca_system_store_off_and_on);
  tcase_add_test (tc, test_accept_extra_certificates);
  tcase_add_test (tc, test_accept_ip_san);
  tcase_add_test (tc, test_wildcard_san);
  tcase_add_test (tc, test_accept_matching_pins);
  tcase_add_test (tc, test_refuse_expired);
  tcase_add_test (tc, test_refuse_not_yet_valid);
  tcase_add_test (tc, test_verify_at_time);
  tcase_add_test (tc, test_refuse_self_signed);
  tcase_add_test (tc, test_self_signed_imported_as_ca_file);
  tcase_add_test (tc, test_refuse_name_mismatch);
  tcase_add_test (tc, test_refuse_unknown_ca);
  tcase_add_test (tc, test_refuse_revoked);
  tcase_add_test (tc, test_refuse_sha1);
  tcase_add_test (tc, test_refuse_rsa1024);
  tcase_add_test (tc, test_refuse_non_ca_issuer);
  tcase_add_test (tc, test_refuse_non_ca_issuer_unknown_root);
  tcase_add_test (tc, test_refuse_missing_intermediate);
  tcase_add_test (tc, test_refuse_client_auth_only);
  tcase_add_test (tc, test_refuse_pin_mismatch);
  tcase_add_test (tc, test_sip_identity);
  tcase_add_test (tc, test_refuse_missing_server_name);
  tcase_add_test (tc, test_several_reasons);
  tcase_add_test (tc, test_empty_trust_store_is_an_error);
  tcase_add_test (tc, test_bad_input);
  tcase_add_test (tc, test_settings_copy);
  tcase_add_test (tc, test_post_error);
  tcase_add_test (tc, test_handshake_error_verdict);
  tcase_add_test (tc, test_session_verify);
  tcase_add_test (tc, test_session_sni);
  tcase_add_test (tc, test_session_error_alerts);

  return s;
}

GST_CHECK_MAIN (pgsmtlsverify);
