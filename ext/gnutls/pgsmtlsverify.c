/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The one certificate verification policy of gst-pgsm (see
 * docs/security-tls.md for what it checks and why).
 *
 * A verdict is built in two layers:
 *  1. GnuTLS verifies the chain to a trust anchor (verify_peers3 on a
 *     session, or the credentials' trust list for a bare chain) and its
 *     status bits are mapped to verdict flags with a table, as
 *     glib-networking does.
 *  2. Our own checks walk the certificates the server sent: dates, CA bits,
 *     signature hashes, key sizes, key usage, the identity and the pins.
 *     They add flags GnuTLS has no bit for (SELF_SIGNED, WEAK_KEY, ...) and
 *     write the human sentences. When one of our findings is the precise
 *     reason behind a vague GnuTLS bit (a weak key reported as "insecure
 *     algorithm", a self-signed leaf reported as "signer not found"), the
 *     precise flag replaces the vague one.
 * Any flag set means "refused"; nothing is ever ignored by configuration. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pgsmtlsverify.h"

#include <string.h>
#include <gnutls/abstract.h>

GST_DEBUG_CATEGORY_STATIC (pgsm_tls_verify_debug);
#define GST_CAT_DEFAULT pgsm_tls_verify_debug

/* TLS 1.2 minimum, %PROFILE_MEDIUM (RSA/DH >= 2048 bits, EC >= 256 bits, no
 * SHA-1 in certificate signatures), and no SHA-1/MD5 handshake signatures.
 * Checked against GnuTLS 3.7.9 with gnutls_priority_init(). */
#define PGSM_TLS_PRIORITY \
  "NORMAL:%PROFILE_MEDIUM:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" \
  "-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1:-SIGN-DSA-SHA1:-SIGN-RSA-MD5:" \
  "-3DES-CBC:-ARCFOUR-128"

/* Bound on the entries read from one subjectAltName or extendedKeyUsage */
#define MAX_EXTENSION_ENTRIES 1024

/* Longest chain we look at (GnuTLS' DEFAULT_MAX_VERIFY_DEPTH is 16) */
#define MAX_CHAIN_LENGTH 16

#define MIN_RSA_BITS 2048
#define MIN_EC_BITS 256

static void
debug_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (pgsm_tls_verify_debug, "pgsmtlsverify", 0,
        "gst-pgsm certificate verification policy");
    g_once_init_leave (&done, 1);
  }
}

/* ------------------------------------------------------------------ */
/* Settings                                                           */

void
pgsm_tls_verify_settings_clear (PgsmTlsVerifySettings * settings)
{
  g_return_if_fail (settings != NULL);

  g_clear_pointer (&settings->ca_file, g_free);
  g_clear_pointer (&settings->crl_file, g_free);
  g_clear_pointer (&settings->pinned_sha256, g_strfreev);
}

void
pgsm_tls_verify_settings_copy (PgsmTlsVerifySettings * dest,
    const PgsmTlsVerifySettings * src)
{
  g_return_if_fail (dest != NULL && src != NULL);

  dest->ca_file = g_strdup (src->ca_file);
  dest->use_system_ca = src->use_system_ca;
  dest->crl_file = g_strdup (src->crl_file);
  dest->pinned_sha256 = g_strdupv (src->pinned_sha256);
  dest->identity = src->identity;
}

/* A pin in canonical form (64 lower-case hex digits) or NULL when @pin is
 * not a SHA-256 fingerprint. ':' and white space are ignored. */
static gchar *
normalize_pin (const gchar * pin)
{
  GString *s = g_string_new (NULL);
  const gchar *p;

  for (p = pin; *p; p++) {
    if (*p == ':' || g_ascii_isspace (*p))
      continue;
    if (!g_ascii_isxdigit (*p))
      break;
    g_string_append_c (s, g_ascii_tolower (*p));
  }
  if (*p != '\0' || s->len != 64) {
    g_string_free (s, TRUE);
    return NULL;
  }
  return g_string_free (s, FALSE);
}

static gboolean
has_pins (const PgsmTlsVerifySettings * settings)
{
  return settings->pinned_sha256 != NULL && settings->pinned_sha256[0] != NULL;
}

/* Pin-only mode: the user configured pins and no CA at all. Then the pin is
 * what establishes trust (see docs/security-tls.md). */
static gboolean
pin_only (const PgsmTlsVerifySettings * settings)
{
  return has_pins (settings) && settings->ca_file == NULL &&
      !settings->use_system_ca;
}

/* ------------------------------------------------------------------ */
/* Credentials and session                                            */

static gchar *format_time (time_t t);

/* GnuTLS 3.7 does not refuse a CRL whose nextUpdate has passed when it
 * verifies a chain, so we do: stale revocation data must not pass as "not
 * revoked". Returns the sentence explaining why the CRLs of @file cannot be
 * used at @now, or NULL when they can. */
static gchar *
crl_file_problem (const gchar * file, time_t now)
{
  g_autofree gchar *contents = NULL;
  gnutls_x509_crl_t *crls = NULL;
  unsigned int n = 0, i;
  gnutls_datum_t data;
  gchar *problem = NULL;
  gsize len = 0;
  int ret;

  if (!g_file_get_contents (file, &contents, &len, NULL))
    return g_strdup_printf ("the CRL file '%s' cannot be read", file);
  data.data = (guint8 *) contents;
  data.size = len;
  ret = gnutls_x509_crl_list_import2 (&crls, &n, &data, GNUTLS_X509_FMT_PEM, 0);
  if (ret < 0 || n == 0)
    ret = gnutls_x509_crl_list_import2 (&crls, &n, &data,
        GNUTLS_X509_FMT_DER, 0);
  if (ret < 0 || n == 0)
    return g_strdup_printf ("the CRL file '%s' holds no readable CRL", file);

  for (i = 0; i < n; i++) {
    time_t this_update = gnutls_x509_crl_get_this_update (crls[i]);
    time_t next_update = gnutls_x509_crl_get_next_update (crls[i]);

    if (problem == NULL && next_update != (time_t) - 1 && now > next_update) {
      g_autofree gchar *when = format_time (next_update);
      g_autofree gchar *clock = format_time (now);

      problem = g_strdup_printf ("the CRL '%s' is out of date: its next "
          "update was due on %s and the local clock says %s; install a "
          "fresh CRL from the CA (or fix the device clock)", file, when, clock);
    } else if (problem == NULL && this_update != (time_t) - 1 &&
        this_update > now) {
      g_autofree gchar *when = format_time (this_update);
      g_autofree gchar *clock = format_time (now);

      problem = g_strdup_printf ("the CRL '%s' is dated %s, in the future "
          "of the local clock (%s); fix the device clock", file, when, clock);
    }
    gnutls_x509_crl_deinit (crls[i]);
  }
  gnutls_free (crls);
  return problem;
}

static gboolean
load_crl (gnutls_certificate_credentials_t cred, const gchar * file,
    GError ** error)
{
  g_autofree gchar *problem = NULL;
  int ret;

  problem = crl_file_problem (file, time (NULL));
  if (problem != NULL) {
    g_set_error (error, PGSM_TLS_ERROR, PGSM_TLS_ERROR_TRUST_STORE,
        "Cannot use the CRL file: %s", problem);
    return FALSE;
  }

  ret = gnutls_certificate_set_x509_crl_file (cred, file, GNUTLS_X509_FMT_PEM);
  if (ret <= 0)
    ret = gnutls_certificate_set_x509_crl_file (cred, file,
        GNUTLS_X509_FMT_DER);
  if (ret < 0) {
    g_set_error (error, PGSM_TLS_ERROR, PGSM_TLS_ERROR_TRUST_STORE,
        "Cannot load the CRL file '%s': %s", file, gnutls_strerror (ret));
    return FALSE;
  }
  if (ret == 0) {
    g_set_error (error, PGSM_TLS_ERROR, PGSM_TLS_ERROR_TRUST_STORE,
        "The CRL file '%s' holds no CRL", file);
    return FALSE;
  }
  GST_DEBUG ("loaded %d CRL(s) from %s", ret, file);
  return TRUE;
}

static gboolean
check_pins (const PgsmTlsVerifySettings * settings, GError ** error)
{
  guint i;

  for (i = 0; settings->pinned_sha256 && settings->pinned_sha256[i]; i++) {
    g_autofree gchar *pin = normalize_pin (settings->pinned_sha256[i]);

    if (pin == NULL) {
      g_set_error (error, PGSM_TLS_ERROR, PGSM_TLS_ERROR_TRUST_STORE,
          "The pin '%s' is not a SHA-256 fingerprint (64 hex digits, "
          "':' allowed)", settings->pinned_sha256[i]);
      return FALSE;
    }
  }
  return TRUE;
}

gnutls_certificate_credentials_t
pgsm_tls_credentials_new (const PgsmTlsVerifySettings * settings,
    GError ** error)
{
  gnutls_certificate_credentials_t cred = NULL;
  int ret, anchors = 0;

  g_return_val_if_fail (settings != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  debug_init ();

  if (!check_pins (settings, error))
    return NULL;

  ret = gnutls_certificate_allocate_credentials (&cred);
  if (ret < 0) {
    g_set_error (error, PGSM_TLS_ERROR, PGSM_TLS_ERROR_TRUST_STORE,
        "Cannot allocate TLS credentials: %s", gnutls_strerror (ret));
    return NULL;
  }

  if (settings->ca_file != NULL) {
    ret = gnutls_certificate_set_x509_trust_file (cred, settings->ca_file,
        GNUTLS_X509_FMT_PEM);
    if (ret < 0) {
      g_set_error (error, PGSM_TLS_ERROR, PGSM_TLS_ERROR_TRUST_STORE,
          "Cannot load the CA file '%s': %s", settings->ca_file,
          gnutls_strerror (ret));
      goto failed;
    }
    if (ret == 0) {
      g_set_error (error, PGSM_TLS_ERROR, PGSM_TLS_ERROR_TRUST_STORE,
          "The CA file '%s' holds no certificate", settings->ca_file);
      goto failed;
    }
    GST_DEBUG ("%d anchor(s) from %s", ret, settings->ca_file);
    anchors += ret;
  }

  if (settings->use_system_ca) {
    ret = gnutls_certificate_set_x509_system_trust (cred);
    /* Not fatal by itself: a CA file may still give anchors */
    if (ret < 0)
      GST_WARNING ("cannot load the system trust store: %s",
          gnutls_strerror (ret));
    else
      anchors += ret;
    GST_DEBUG ("%d anchor(s) from the system store", MAX (ret, 0));
  }

  /* An empty trust store is an error, never a pass. The one exception is
   * pin-only mode, where the user asked for no CA at all. */
  if (anchors == 0 && !pin_only (settings)) {
    g_set_error (error, PGSM_TLS_ERROR, PGSM_TLS_ERROR_TRUST_STORE,
        "No trusted CA certificate could be loaded (ca-file %s%s%s, "
        "system store %s)", settings->ca_file ? "'" : "",
        settings->ca_file ? settings->ca_file : "not set",
        settings->ca_file ? "'" : "",
        settings->use_system_ca ? "empty or unreadable" : "off");
    goto failed;
  }

  if (settings->crl_file != NULL && !load_crl (cred, settings->crl_file, error))
    goto failed;

  return cred;

failed:
  gnutls_certificate_free_credentials (cred);
  return NULL;
}

gboolean
pgsm_tls_session_setup_client (gnutls_session_t session,
    gnutls_certificate_credentials_t credentials, const gchar * server_name,
    GError ** error)
{
  const char *err_pos = NULL;
  int ret;

  g_return_val_if_fail (session != NULL, FALSE);
  g_return_val_if_fail (credentials != NULL, FALSE);
  debug_init ();

  ret = gnutls_priority_set_direct (session, PGSM_TLS_PRIORITY, &err_pos);
  if (ret < 0) {
    g_set_error (error, PGSM_TLS_ERROR, PGSM_TLS_ERROR_HANDSHAKE,
        "Cannot set the TLS priorities (near '%s'): %s",
        err_pos ? err_pos : "?", gnutls_strerror (ret));
    return FALSE;
  }

  ret = gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, credentials);
  if (ret < 0) {
    g_set_error (error, PGSM_TLS_ERROR, PGSM_TLS_ERROR_HANDSHAKE,
        "Cannot set the TLS credentials: %s", gnutls_strerror (ret));
    return FALSE;
  }

  /* RFC 6066: SNI carries DNS names only, never an address literal */
  if (server_name != NULL && *server_name != '\0' &&
      !g_hostname_is_ip_address (server_name) && server_name[0] != '[') {
    g_autofree gchar *ascii = g_hostname_to_ascii (server_name);
    gsize len;

    if (ascii == NULL) {
      g_set_error (error, PGSM_TLS_ERROR, PGSM_TLS_ERROR_HANDSHAKE,
          "'%s' is not a valid host name", server_name);
      return FALSE;
    }
    len = strlen (ascii);
    if (len > 0 && ascii[len - 1] == '.')
      len--;
    ret = gnutls_server_name_set (session, GNUTLS_NAME_DNS, ascii, len);
    if (ret < 0) {
      g_set_error (error, PGSM_TLS_ERROR, PGSM_TLS_ERROR_HANDSHAKE,
          "Cannot set the server name '%s': %s", server_name,
          gnutls_strerror (ret));
      return FALSE;
    }
  }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The verification context                                           */

typedef struct
{
  const PgsmTlsVerifySettings *settings;
  gnutls_x509_trust_list_t tlist;       /* owned by the credentials, or NULL */
  gnutls_x509_crt_t *crts;      /* as the server sent them, leaf first */
  guint n_crts;
  guint n_used;                 /* how many of them lead to the anchor */
  gnutls_x509_crt_t anchor;     /* that anchor (owned by tlist), or NULL */
  time_t now;
  const gchar *server_name;
  PgsmCertificateFlags flags;   /* our own findings */
  GString *reasons;
  gboolean pin_matched;
} Ctx;

/* Records a finding: its flag and its sentence (printf-style) */
/* *INDENT-OFF* */
static void add_reason (Ctx * ctx, PgsmCertificateFlags flag,
    const gchar * format, ...) G_GNUC_PRINTF (3, 4);
/* *INDENT-ON* */

static void
add_reason (Ctx * ctx, PgsmCertificateFlags flag, const gchar * format, ...)
{
  va_list args;

  ctx->flags |= flag;
  if (ctx->reasons->len > 0)
    g_string_append (ctx->reasons, "\n");
  va_start (args, format);
  g_string_append_vprintf (ctx->reasons, format, args);
  va_end (args);
  g_string_append_c (ctx->reasons, '.');
}

static gchar *
format_time (time_t t)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (t);

  if (dt == NULL)
    return g_strdup_printf ("(time %" G_GINT64_FORMAT ")", (gint64) t);
  return g_date_time_format (dt, "%Y-%m-%d %H:%M:%S UTC");
}

static gchar *
crt_dn (gnutls_x509_crt_t crt, gboolean issuer)
{
  gnutls_datum_t d = { NULL, 0 };
  gchar *s;
  int ret;

  ret = issuer ? gnutls_x509_crt_get_issuer_dn3 (crt, &d, 0) :
      gnutls_x509_crt_get_dn3 (crt, &d, 0);
  if (ret < 0)
    return g_strdup ("(unreadable name)");
  s = g_strndup ((const gchar *) d.data, d.size);
  gnutls_free (d.data);
  if (*s == '\0') {
    g_free (s);
    s = g_strdup ("(empty name)");
  }
  return s;
}

/* Whether @issuer's subject is @crt's issuer name. Compares the DER bytes:
 * gnutls_x509_crt_check_issuer() formats both names as strings whenever the
 * bytes differ, which made it the most expensive part of our checks. CAs
 * copy the issuer name from their own certificate, so the bytes match. */
static gboolean
issued_by (gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer)
{
  gnutls_datum_t a = { NULL, 0 }, b = { NULL, 0 };

  if (gnutls_x509_crt_get_raw_issuer_dn (crt, &a) < 0)
    return FALSE;
  if (gnutls_x509_crt_get_raw_dn (issuer, &b) < 0) {
    gnutls_free (a.data);
    return FALSE;
  }
  {
    gboolean same = a.size == b.size && memcmp (a.data, b.data, a.size) == 0;

    gnutls_free (a.data);
    gnutls_free (b.data);
    return same;
  }
}

static gboolean
self_issued (gnutls_x509_crt_t crt)
{
  return issued_by (crt, crt);
}

static gboolean
is_ca (gnutls_x509_crt_t crt)
{
  unsigned int critical = 0;

  /* Absent basicConstraints means "not a CA" (RFC 5280 4.2.1.9) */
  return gnutls_x509_crt_get_basic_constraints (crt, &critical, NULL, NULL) > 0;
}

/* Where the path to a trust anchor ends in the chain the server sent: sets
 * ctx->n_used to the number of sent certificates on that path and returns
 * the anchor (owned by the trust list), or NULL when no sent certificate was
 * issued by an anchor (then every sent certificate is checked). Servers
 * often send more than the path: the root itself, or an old cross-signed
 * root certificate that has expired; like GnuTLS and browsers we stop at
 * the first certificate an anchor issued, so those extras do not count. */
static gnutls_x509_crt_t
find_anchor (Ctx * ctx)
{
  gnutls_x509_crt_t issuer = NULL;
  guint i;

  ctx->n_used = ctx->n_crts;
  if (ctx->tlist == NULL)
    return NULL;
  for (i = 0; i < ctx->n_crts; i++) {
    if (gnutls_x509_trust_list_get_issuer (ctx->tlist, ctx->crts[i], &issuer,
            0) >= 0) {
      ctx->n_used = i + 1;
      return issuer;
    }
  }
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Our own checks                                                     */

static void
check_dates_of (Ctx * ctx, gnutls_x509_crt_t crt, const gchar * what)
{
  time_t not_before = gnutls_x509_crt_get_activation_time (crt);
  time_t not_after = gnutls_x509_crt_get_expiration_time (crt);
  g_autofree gchar *dn = NULL, *clock = NULL, *when = NULL;

  if (not_before != (time_t) - 1 && ctx->now < not_before) {
    dn = crt_dn (crt, FALSE);
    when = format_time (not_before);
    clock = format_time (ctx->now);
    add_reason (ctx, PGSM_CERTIFICATE_NOT_ACTIVATED,
        "%s '%s' is not valid before %s; the local clock says %s; if the "
        "date is wrong, fix the device clock", what, dn, when, clock);
  } else if (not_after != (time_t) - 1 && ctx->now > not_after) {
    dn = crt_dn (crt, FALSE);
    when = format_time (not_after);
    clock = format_time (ctx->now);
    add_reason (ctx, PGSM_CERTIFICATE_EXPIRED,
        "%s '%s' expired on %s; the local clock says %s; if the date is "
        "wrong, fix the device clock, otherwise the server needs a new "
        "certificate", what, dn, when, clock);
  } else if (not_before == (time_t) - 1 || not_after == (time_t) - 1) {
    dn = crt_dn (crt, FALSE);
    add_reason (ctx, PGSM_CERTIFICATE_GENERIC_ERROR,
        "%s '%s' has unreadable validity dates", what, dn);
  }
}

static void
check_dates (Ctx * ctx, gnutls_x509_crt_t anchor)
{
  guint i;

  for (i = 0; i < ctx->n_used; i++)
    check_dates_of (ctx, ctx->crts[i], i == 0 ? "certificate" :
        "CA certificate");
  if (anchor != NULL)
    check_dates_of (ctx, anchor, "trusted CA certificate");
}

static gboolean
hash_is_insecure (gnutls_digest_algorithm_t hash)
{
  return hash == GNUTLS_DIG_MD5 || hash == GNUTLS_DIG_SHA1 ||
      hash == GNUTLS_DIG_MD2 || hash == GNUTLS_DIG_UNKNOWN;
}

/* Signatures: every certificate the server sent, except the self-signature
 * of a root (what makes a root trusted is being an anchor, not that). */
static void
check_signatures (Ctx * ctx)
{
  guint i;

  for (i = 0; i < ctx->n_used; i++) {
    int sign = gnutls_x509_crt_get_signature_algorithm (ctx->crts[i]);
    gnutls_digest_algorithm_t hash;

    if (i > 0 && self_issued (ctx->crts[i]))
      continue;
    hash =
        sign < 0 ? GNUTLS_DIG_UNKNOWN : gnutls_sign_get_hash_algorithm (sign);
    if (hash_is_insecure (hash) && sign != GNUTLS_SIGN_EDDSA_ED25519
        && sign != GNUTLS_SIGN_EDDSA_ED448) {
      g_autofree gchar *dn = crt_dn (ctx->crts[i], FALSE);
      const gchar *name = sign < 0 ? NULL : gnutls_sign_get_name (sign);

      add_reason (ctx, PGSM_CERTIFICATE_INSECURE_ALGORITHM,
          "certificate '%s' is signed with %s, which can be forged; the "
          "CA must reissue it with SHA-256 or better", dn,
          name ? name : "an unknown algorithm");
    }
  }
}

static void
check_key_of (Ctx * ctx, gnutls_x509_crt_t crt)
{
  unsigned int bits = 0;
  int pk = gnutls_x509_crt_get_pk_algorithm (crt, &bits);
  guint min = 0;

  switch (pk) {
    case GNUTLS_PK_RSA:
    case GNUTLS_PK_RSA_PSS:
    case GNUTLS_PK_DSA:
      min = MIN_RSA_BITS;
      break;
    case GNUTLS_PK_ECDSA:
      min = MIN_EC_BITS;
      break;
    case GNUTLS_PK_EDDSA_ED25519:
    case GNUTLS_PK_EDDSA_ED448:
      return;
    default:
      break;
  }
  if (pk < 0 || bits < min) {
    g_autofree gchar *dn = crt_dn (crt, FALSE);
    const gchar *name = pk < 0 ? NULL : gnutls_pk_get_name (pk);

    add_reason (ctx, PGSM_CERTIFICATE_WEAK_KEY,
        "certificate '%s' has a %u-bit %s key; at least %u bits are "
        "required", dn, bits, name ? name : "unknown", min);
  }
}

static void
check_keys (Ctx * ctx, gnutls_x509_crt_t anchor)
{
  guint i;

  for (i = 0; i < ctx->n_used; i++)
    check_key_of (ctx, ctx->crts[i]);
  if (anchor != NULL)
    check_key_of (ctx, anchor);
}

/* basicConstraints CA:TRUE on every certificate that issued another one in
 * the presented chain. GnuTLS says "signer not found" or "constraints
 * failure" for this; we name it. */
static void
check_issuers (Ctx * ctx)
{
  guint i, j;

  for (i = 0; i < ctx->n_used; i++) {
    if (self_issued (ctx->crts[i]))
      continue;
    for (j = 0; j < ctx->n_crts; j++) {
      if (j == i || !issued_by (ctx->crts[i], ctx->crts[j]))
        continue;
      if (!is_ca (ctx->crts[j])) {
        g_autofree gchar *dn = crt_dn (ctx->crts[i], FALSE);
        g_autofree gchar *idn = crt_dn (ctx->crts[j], FALSE);

        add_reason (ctx, PGSM_CERTIFICATE_NOT_A_CA,
            "certificate '%s' was issued by '%s', which is not a "
            "certification authority (no basicConstraints CA:TRUE)", dn, idn);
      }
      break;
    }
  }
}

/* The leaf must be usable by a TLS server: extendedKeyUsage, when present,
 * lists serverAuth (or anyExtendedKeyUsage); keyUsage, when present, allows
 * digitalSignature or keyEncipherment. */
static void
check_purpose (Ctx * ctx)
{
  gnutls_x509_crt_t leaf = ctx->crts[0];
  g_autoptr (GString) ekus = g_string_new (NULL);
  gboolean has_eku = FALSE, server = FALSE;
  unsigned int usage = 0, critical = 0;
  guint i;
  int ret;

  for (i = 0;; i++) {
    gchar oid[128];
    size_t size = sizeof (oid);

    ret = gnutls_x509_crt_get_key_purpose_oid (leaf, i, oid, &size, NULL);
    if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
      break;
    has_eku = TRUE;
    /* A malformed extension returns the same error for every index: stop
     * (what was not read cannot allow serverAuth) */
    if (ret < 0 || i >= MAX_EXTENSION_ENTRIES)
      break;
    if (g_str_equal (oid, GNUTLS_KP_TLS_WWW_SERVER) ||
        g_str_equal (oid, GNUTLS_KP_ANY))
      server = TRUE;
    g_string_append_printf (ekus, "%s%s", ekus->len ? ", " : "",
        g_str_equal (oid, GNUTLS_KP_TLS_WWW_CLIENT) ? "clientAuth" :
        g_str_equal (oid, GNUTLS_KP_EMAIL_PROTECTION) ? "emailProtection" :
        g_str_equal (oid, GNUTLS_KP_CODE_SIGNING) ? "codeSigning" : oid);
  }
  if (has_eku && !server) {
    g_autofree gchar *dn = crt_dn (leaf, FALSE);

    add_reason (ctx, PGSM_CERTIFICATE_BAD_PURPOSE,
        "certificate '%s' is not for TLS servers: its extendedKeyUsage "
        "allows only %s, not serverAuth", dn,
        ekus->len ? ekus->str : "unreadable purposes");
  }

  ret = gnutls_x509_crt_get_key_usage (leaf, &usage, &critical);
  if (ret >= 0 && !(usage & (GNUTLS_KEY_DIGITAL_SIGNATURE |
              GNUTLS_KEY_KEY_ENCIPHERMENT))) {
    g_autofree gchar *dn = crt_dn (leaf, FALSE);

    add_reason (ctx, PGSM_CERTIFICATE_BAD_PURPOSE,
        "certificate '%s' may not be used by a TLS server: its keyUsage "
        "allows neither digitalSignature nor keyEncipherment", dn);
  }
}

/* ------------------------------------------------------------------ */
/* Identity                                                           */

typedef struct
{
  GPtrArray *dns;               /* lower-case */
  GPtrArray *ips;               /* GInetAddress */
  GPtrArray *sip;               /* lower-case domains from sip:/sips: URIs */
  GPtrArray *other_uris;        /* URIs that are not a SIP domain */
  gchar *cn;
} Names;

static void
names_clear (Names * names)
{
  g_ptr_array_unref (names->dns);
  g_ptr_array_unref (names->ips);
  g_ptr_array_unref (names->sip);
  g_ptr_array_unref (names->other_uris);
  g_free (names->cn);
}

/* RFC 5922 7.1: the SAN URI identifies a SIP domain when it is exactly
 * sip:domain (no user part, port or parameters). */
static gchar *
sip_uri_domain (const gchar * uri)
{
  const gchar *host;

  if (g_ascii_strncasecmp (uri, "sip:", 4) == 0)
    host = uri + 4;
  else if (g_ascii_strncasecmp (uri, "sips:", 5) == 0)
    host = uri + 5;
  else
    return NULL;
  if (*host == '\0' || strpbrk (host, "@:;?/[] ") != NULL)
    return NULL;
  return g_ascii_strdown (host, -1);
}

static void
collect_names (gnutls_x509_crt_t crt, Names * names)
{
  guint i;

  names->dns = g_ptr_array_new_with_free_func (g_free);
  names->ips = g_ptr_array_new_with_free_func (g_object_unref);
  names->sip = g_ptr_array_new_with_free_func (g_free);
  names->other_uris = g_ptr_array_new_with_free_func (g_free);
  names->cn = NULL;

  for (i = 0;; i++) {
    gnutls_datum_t san = { NULL, 0 };
    unsigned int type = 0;
    gchar *value;
    size_t size = 0;
    int ret;

    /* first the size, then the value */
    ret = gnutls_x509_crt_get_subject_alt_name2 (crt, i, NULL, &size, &type,
        NULL);
    if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
      break;
    /* A malformed extension returns the same error for every index: stop
     * there (names that cannot be read never match) */
    if ((ret != GNUTLS_E_SHORT_MEMORY_BUFFER && ret < 0) ||
        i >= MAX_EXTENSION_ENTRIES)
      break;
    value = g_malloc0 (size + 1);
    ret = gnutls_x509_crt_get_subject_alt_name2 (crt, i, value, &size,
        &type, NULL);
    san.data = (guint8 *) value;
    san.size = size;
    if (ret < 0) {
      g_free (value);
      break;
    }
    /* A NUL inside a name is an attack on C string handling: skip it */
    if (type != GNUTLS_SAN_IPADDRESS && strlen (value) != size) {
      g_free (value);
      continue;
    }
    if (ret == GNUTLS_SAN_DNSNAME) {
      g_ptr_array_add (names->dns, g_ascii_strdown (value, -1));
    } else if (ret == GNUTLS_SAN_IPADDRESS && (san.size == 4 || san.size == 16)) {
      g_ptr_array_add (names->ips, g_inet_address_new_from_bytes (san.data,
              san.size == 4 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6));
    } else if (ret == GNUTLS_SAN_URI) {
      gchar *domain = sip_uri_domain (value);

      if (domain)
        g_ptr_array_add (names->sip, domain);
      else
        g_ptr_array_add (names->other_uris, g_strdup (value));
    }
    g_free (value);
  }

  {
    gchar cn[256];
    size_t size = sizeof (cn) - 1;

    if (gnutls_x509_crt_get_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
            0, cn, &size) >= 0 && strlen (cn) == size)
      names->cn = g_ascii_strdown (cn, -1);
  }
}

static gchar *
names_describe (const Names * names)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < names->dns->len; i++)
    g_string_append_printf (s, "%sDNS:%s", s->len ? ", " : "",
        (gchar *) g_ptr_array_index (names->dns, i));
  for (i = 0; i < names->ips->len; i++) {
    g_autofree gchar *ip =
        g_inet_address_to_string (g_ptr_array_index (names->ips, i));
    g_string_append_printf (s, "%sIP:%s", s->len ? ", " : "", ip);
  }
  for (i = 0; i < names->sip->len; i++)
    g_string_append_printf (s, "%sURI:sip:%s", s->len ? ", " : "",
        (gchar *) g_ptr_array_index (names->sip, i));
  for (i = 0; i < names->other_uris->len; i++)
    g_string_append_printf (s, "%sURI:%s", s->len ? ", " : "",
        (gchar *) g_ptr_array_index (names->other_uris, i));
  if (names->cn)
    g_string_append_printf (s, "%sCN:%s", s->len ? ", " : "", names->cn);
  if (s->len == 0)
    g_string_append (s, "no name at all");
  return g_string_free (s, FALSE);
}

/* RFC 6125 6.4.3 as browsers apply it: '*' only as the whole left-most
 * label, matching exactly one non-empty label, with at least two labels
 * after it. */
static gboolean
dns_matches (const gchar * pattern, const gchar * host, gboolean wildcards)
{
  const gchar *dot;

  if (strchr (pattern, '*') == NULL)
    return g_ascii_strcasecmp (pattern, host) == 0;
  if (!wildcards || pattern[0] != '*' || pattern[1] != '.')
    return FALSE;
  /* "*.com" and any other '*' are refused */
  if (strchr (pattern + 2, '*') != NULL || strchr (pattern + 2, '.') == NULL)
    return FALSE;
  dot = strchr (host, '.');
  if (dot == NULL || dot == host)
    return FALSE;
  return g_ascii_strcasecmp (dot + 1, pattern + 2) == 0;
}

/* @host normalised: lower case ASCII (punycode), no trailing dot, no
 * brackets around an IPv6 literal. NULL if it is not a host name. */
static gchar *
normalize_host (const gchar * name)
{
  g_autofree gchar *ascii = NULL;
  gsize len;

  if (name == NULL || *name == '\0')
    return NULL;
  len = strlen (name);
  if (name[0] == '[' && len > 2 && name[len - 1] == ']')
    return g_strndup (name + 1, len - 2);
  if (g_hostname_is_ip_address (name))
    return g_strdup (name);
  ascii = g_hostname_to_ascii (name);
  if (ascii == NULL)
    return NULL;
  len = strlen (ascii);
  if (len > 0 && ascii[len - 1] == '.')
    ascii[len - 1] = '\0';
  if (*ascii == '\0')
    return NULL;
  return g_ascii_strdown (ascii, -1);
}

static gboolean
identity_matches (const Names * names, const gchar * host,
    PgsmTlsIdentityRules rules)
{
  gboolean sip = rules == PGSM_TLS_IDENTITY_SIP;
  guint i;

  if (g_hostname_is_ip_address (host)) {
    g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (host);

    /* Addresses match IP SANs only, never a DNS SAN or the CN */
    for (i = 0; addr && i < names->ips->len; i++)
      if (g_inet_address_equal (addr, g_ptr_array_index (names->ips, i)))
        return TRUE;
    return FALSE;
  }

  if (sip) {
    for (i = 0; i < names->sip->len; i++)
      if (dns_matches (g_ptr_array_index (names->sip, i), host, FALSE))
        return TRUE;
  }
  for (i = 0; i < names->dns->len; i++)
    if (dns_matches (g_ptr_array_index (names->dns, i), host, !sip))
      return TRUE;

  /* The CN counts only when the certificate has no DNS SAN (and, for SIP,
   * no SIP URI SAN either); exact match only */
  if (names->cn && names->dns->len == 0 && (!sip || names->sip->len == 0))
    return strchr (names->cn, '*') == NULL &&
        g_ascii_strcasecmp (names->cn, host) == 0;
  return FALSE;
}

static void
check_identity (Ctx * ctx)
{
  g_autofree gchar *host = normalize_host (ctx->server_name);
  Names names;

  if (host == NULL) {
    add_reason (ctx, PGSM_CERTIFICATE_GENERIC_ERROR,
        ctx->server_name == NULL || *ctx->server_name == '\0' ?
        "no server name was given to check the certificate against; a "
        "certificate is never accepted without one" :
        "the server name to check the certificate against is not a valid "
        "host name");
    return;
  }

  collect_names (ctx->crts[0], &names);
  if (!identity_matches (&names, host, ctx->settings->identity)) {
    g_autofree gchar *dn = crt_dn (ctx->crts[0], FALSE);
    g_autofree gchar *found = names_describe (&names);
    gboolean wildcard = FALSE;
    guint i;

    for (i = 0; i < names.dns->len; i++)
      wildcard |= strchr (g_ptr_array_index (names.dns, i), '*') != NULL;

    add_reason (ctx, PGSM_CERTIFICATE_BAD_IDENTITY,
        "certificate '%s' is not valid for '%s': it names %s%s", dn, host,
        found, ctx->settings->identity == PGSM_TLS_IDENTITY_SIP && wildcard ?
        " (wildcards are not accepted for SIP domains, RFC 5922)" : "");
  }
  names_clear (&names);
}

/* ------------------------------------------------------------------ */
/* Pins                                                               */

static gchar *
spki_sha256 (gnutls_x509_crt_t crt)
{
  gnutls_pubkey_t pub = NULL;
  gnutls_datum_t der = { NULL, 0 };
  gchar *hex = NULL;

  if (gnutls_pubkey_init (&pub) < 0)
    return NULL;
  if (gnutls_pubkey_import_x509 (pub, crt, 0) >= 0 &&
      gnutls_pubkey_export2 (pub, GNUTLS_X509_FMT_DER, &der) >= 0) {
    hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der.data, der.size);
    gnutls_free (der.data);
  }
  gnutls_pubkey_deinit (pub);
  return hex;
}

static void
check_pins_match (Ctx * ctx, const gchar * leaf_sha256)
{
  g_autofree gchar *spki = NULL;
  guint i;

  if (!has_pins (ctx->settings))
    return;
  spki = spki_sha256 (ctx->crts[0]);
  for (i = 0; ctx->settings->pinned_sha256[i]; i++) {
    g_autofree gchar *pin = normalize_pin (ctx->settings->pinned_sha256[i]);

    if (pin && ((leaf_sha256 && g_str_equal (pin, leaf_sha256)) ||
            (spki && g_str_equal (pin, spki)))) {
      ctx->pin_matched = TRUE;
      return;
    }
  }
  add_reason (ctx, PGSM_CERTIFICATE_PIN_MISMATCH,
      "the certificate matches none of the %u pinned fingerprint(s): its "
      "SHA-256 is %s and its public key (SPKI) SHA-256 is %s",
      g_strv_length (ctx->settings->pinned_sha256),
      leaf_sha256 ? leaf_sha256 : "unknown", spki ? spki : "unknown");
}

/* ------------------------------------------------------------------ */
/* GnuTLS status -> flags                                              */

typedef struct
{
  guint status;                 /* gnutls_certificate_status_t bit */
  PgsmCertificateFlags flag;
  /* our findings that name the same problem more precisely: when one of
   * them was found, this bit adds nothing */
  PgsmCertificateFlags explained_by;
  const gchar *sentence;        /* when nothing of ours explains it */
} StatusMap;

static const StatusMap status_map[] = {
  {GNUTLS_CERT_SIGNER_NOT_FOUND, PGSM_CERTIFICATE_UNKNOWN_CA,
      PGSM_CERTIFICATE_SELF_SIGNED | PGSM_CERTIFICATE_NOT_A_CA, NULL},
  {GNUTLS_CERT_SIGNER_NOT_CA, PGSM_CERTIFICATE_NOT_A_CA, 0,
      "an issuer of the chain is not a certification authority"},
  {GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, PGSM_CERTIFICATE_GENERIC_ERROR,
        PGSM_CERTIFICATE_NOT_A_CA,
      "the chain violates the constraints of one of its CAs (path length "
        "or name constraints)"},
  {GNUTLS_CERT_INSECURE_ALGORITHM, PGSM_CERTIFICATE_INSECURE_ALGORITHM,
        PGSM_CERTIFICATE_WEAK_KEY,
      "the chain uses an algorithm or key size GnuTLS considers insecure"},
  {GNUTLS_CERT_NOT_ACTIVATED, PGSM_CERTIFICATE_NOT_ACTIVATED, 0,
      "a certificate of the chain is not valid yet; check the device clock"},
  {GNUTLS_CERT_EXPIRED, PGSM_CERTIFICATE_EXPIRED, 0,
      "a certificate of the chain has expired; check the device clock"},
  {GNUTLS_CERT_REVOKED, PGSM_CERTIFICATE_REVOKED, 0, NULL},
  {GNUTLS_CERT_UNEXPECTED_OWNER, PGSM_CERTIFICATE_BAD_IDENTITY, 0,
      "GnuTLS does not accept the certificate for the server name"},
  {GNUTLS_CERT_PURPOSE_MISMATCH, PGSM_CERTIFICATE_BAD_PURPOSE, 0,
      "the certificate is not meant for TLS server authentication"},
  {GNUTLS_CERT_SIGNATURE_FAILURE, PGSM_CERTIFICATE_GENERIC_ERROR, 0,
      "a signature in the chain does not verify: the chain is corrupt or "
        "was tampered with"},
  {GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED, PGSM_CERTIFICATE_GENERIC_ERROR, 0,
      "the CRL is out of date (its next update time has passed); install a "
        "fresh CRL from the CA"},
  {GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE,
        PGSM_CERTIFICATE_GENERIC_ERROR, 0,
      "the CRL is dated in the future; check the device clock"},
  {GNUTLS_CERT_MISMATCH, PGSM_CERTIFICATE_GENERIC_ERROR, 0,
      "the certificate does not match the expected one"},
  {GNUTLS_CERT_UNKNOWN_CRIT_EXTENSIONS, PGSM_CERTIFICATE_GENERIC_ERROR, 0,
      "a certificate of the chain has a critical extension GnuTLS does not "
        "know"},
};

/* The sentence for UNKNOWN_CA: who issued the top of the chain */
static void
explain_unknown_ca (Ctx * ctx)
{
  gnutls_x509_crt_t top = ctx->crts[ctx->n_crts - 1];
  g_autofree gchar *dn = crt_dn (top, FALSE);
  g_autofree gchar *idn = crt_dn (top, TRUE);

  add_reason (ctx, PGSM_CERTIFICATE_UNKNOWN_CA,
      "the chain the server sent ends at '%s', issued by '%s', which is not "
      "a trusted CA: either the CA is not imported (ca-file) or the server "
      "does not send its intermediate certificate", dn, idn);
}

/* Merges GnuTLS' @status into our findings (see the comment at the top) */
static void
merge_status (Ctx * ctx, guint status)
{
  PgsmCertificateFlags own;
  guint i;

  /* GNUTLS_CERT_INVALID only says "some other bit is set" */
  if (status != GNUTLS_CERT_INVALID)
    status &= ~GNUTLS_CERT_INVALID;

  /* Pin-only mode: a matching pin stands in for the chain to an anchor,
   * and a mismatch is reported as PIN_MISMATCH alone */
  if (pin_only (ctx->settings))
    status &= ~GNUTLS_CERT_SIGNER_NOT_FOUND;

  /* A self-signed leaf the trust store does not hold */
  if ((status & GNUTLS_CERT_SIGNER_NOT_FOUND) && self_issued (ctx->crts[0])) {
    g_autofree gchar *dn = crt_dn (ctx->crts[0], FALSE);

    add_reason (ctx, PGSM_CERTIFICATE_SELF_SIGNED,
        "certificate '%s' is self-signed and is not one of the trusted "
        "certificates; import it (ca-file) or pin it if it is really the "
        "server's", dn);
  }
  own = ctx->flags;
  for (i = 0; i < G_N_ELEMENTS (status_map); i++) {
    const StatusMap *m = &status_map[i];

    PgsmCertificateFlags explained_by = m->explained_by;

    if (!(status & m->status))
      continue;
    status &= ~m->status;
    /* a non-CA issuer explains "signer not found" only when the path does
     * reach an anchor past it */
    if (m->status == GNUTLS_CERT_SIGNER_NOT_FOUND && ctx->anchor == NULL)
      explained_by &= ~PGSM_CERTIFICATE_NOT_A_CA;
    if (own & (m->flag | explained_by))
      continue;
    if (m->status == GNUTLS_CERT_SIGNER_NOT_FOUND)
      explain_unknown_ca (ctx);
    else if (m->status == GNUTLS_CERT_REVOKED)
      add_reason (ctx, m->flag, "a certificate of the chain is revoked: the "
          "CRL '%s' lists it", ctx->settings->crl_file ?
          ctx->settings->crl_file : "(system)");
    else
      add_reason (ctx, m->flag, "%s", m->sentence);
  }
  if (status != 0 && status != GNUTLS_CERT_INVALID)
    add_reason (ctx, PGSM_CERTIFICATE_GENERIC_ERROR,
        "GnuTLS refused the chain for a reason it does not name (status "
        "0x%x)", status);
  else if (status == GNUTLS_CERT_INVALID)
    add_reason (ctx, PGSM_CERTIFICATE_GENERIC_ERROR,
        "GnuTLS refused the chain without naming a reason");
}

/* ------------------------------------------------------------------ */
/* Verdicts                                                           */

static PgsmTlsVerdict *
verdict_new (PgsmCertificateFlags flags, const gchar * reason)
{
  PgsmTlsVerdict *v = g_new0 (PgsmTlsVerdict, 1);

  v->flags = flags;
  v->reasons = g_strdup (reason);
  return v;
}

void
pgsm_tls_verdict_free (PgsmTlsVerdict * verdict)
{
  if (verdict == NULL)
    return;
  g_free (verdict->reasons);
  g_free (verdict->peer_pem);
  g_free (verdict->peer_sha256);
  g_free (verdict->subject);
  g_free (verdict->issuer);
  g_free (verdict);
}

static void
describe_leaf (PgsmTlsVerdict * v, gnutls_x509_crt_t leaf,
    const gnutls_datum_t * der)
{
  gnutls_datum_t pem = { NULL, 0 };

  if (gnutls_x509_crt_export2 (leaf, GNUTLS_X509_FMT_PEM, &pem) >= 0) {
    v->peer_pem = g_strndup ((const gchar *) pem.data, pem.size);
    gnutls_free (pem.data);
  }
  v->peer_sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data,
      der->size);
  v->not_before = gnutls_x509_crt_get_activation_time (leaf);
  v->not_after = gnutls_x509_crt_get_expiration_time (leaf);
}

static void
free_crts (gnutls_x509_crt_t * crts, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    if (crts[i])
      gnutls_x509_crt_deinit (crts[i]);
  g_free (crts);
}

/* Parses the chain; NULL and a verdict in @error_verdict on failure */
static gnutls_x509_crt_t *
import_chain (const gnutls_datum_t * chain, guint n,
    PgsmTlsVerdict ** error_verdict)
{
  gnutls_x509_crt_t *crts;
  guint i;

  if (chain == NULL || n == 0) {
    *error_verdict = verdict_new (PGSM_CERTIFICATE_GENERIC_ERROR,
        "the server sent no certificate.");
    return NULL;
  }
  /* Our checks pair every certificate with every other: bound the work a
   * hostile server can ask for (GnuTLS verifies at most 16 either) */
  if (n > MAX_CHAIN_LENGTH) {
    *error_verdict = verdict_new (PGSM_CERTIFICATE_GENERIC_ERROR, NULL);
    (*error_verdict)->reasons = g_strdup_printf ("the server sent a chain of "
        "%u certificates; at most %u are accepted.", n, MAX_CHAIN_LENGTH);
    return NULL;
  }
  crts = g_new0 (gnutls_x509_crt_t, n);
  for (i = 0; i < n; i++) {
    int ret = gnutls_x509_crt_init (&crts[i]);

    if (ret >= 0)
      ret = gnutls_x509_crt_import (crts[i], &chain[i], GNUTLS_X509_FMT_DER);
    if (ret < 0) {
      *error_verdict = verdict_new (PGSM_CERTIFICATE_GENERIC_ERROR, NULL);
      (*error_verdict)->reasons = g_strdup_printf ("certificate %u of the "
          "chain the server sent cannot be parsed: %s.", i,
          gnutls_strerror (ret));
      free_crts (crts, n);
      return NULL;
    }
  }
  return crts;
}

/* Runs our checks after GnuTLS produced @status and builds the verdict */
static PgsmTlsVerdict *
finish (Ctx * ctx, guint status, int gnutls_ret, const gnutls_datum_t * chain)
{
  PgsmTlsVerdict *v = verdict_new (0, NULL);
  gnutls_x509_crt_t anchor;

  describe_leaf (v, ctx->crts[0], &chain[0]);

  if (gnutls_ret < 0)
    add_reason (ctx, PGSM_CERTIFICATE_GENERIC_ERROR,
        "GnuTLS could not verify the chain: %s", gnutls_strerror (gnutls_ret));

  anchor = ctx->anchor = find_anchor (ctx);
  check_dates (ctx, anchor);
  check_issuers (ctx);
  check_signatures (ctx);
  check_keys (ctx, anchor);
  check_purpose (ctx);
  check_identity (ctx);
  check_pins_match (ctx, v->peer_sha256);
  if (ctx->settings->crl_file != NULL) {
    g_autofree gchar *problem = crl_file_problem (ctx->settings->crl_file,
        ctx->now);

    if (problem != NULL)
      add_reason (ctx, PGSM_CERTIFICATE_GENERIC_ERROR, "%s", problem);
  }
  merge_status (ctx, gnutls_ret < 0 ? 0 : status);

  v->flags = ctx->flags;
  /* Formatting DNs costs more than a tenth of a whole handshake: only a
   * refusal needs them, for the debug string of the error */
  if (v->flags != 0) {
    v->subject = crt_dn (ctx->crts[0], FALSE);
    v->issuer = crt_dn (ctx->crts[0], TRUE);
  }
  v->reasons = g_string_free (ctx->reasons, v->flags == 0);
  ctx->reasons = NULL;
  GST_DEBUG ("verdict for '%s' (%s): flags 0x%x, GnuTLS status 0x%x",
      GST_STR_NULL (ctx->server_name), v->subject, v->flags, status);
  return v;
}

static void
ctx_init (Ctx * ctx, const PgsmTlsVerifySettings * settings,
    gnutls_certificate_credentials_t credentials, const gchar * server_name,
    time_t now)
{
  memset (ctx, 0, sizeof (*ctx));
  ctx->settings = settings;
  ctx->server_name = server_name;
  ctx->now = now ? now : time (NULL);
  ctx->reasons = g_string_new (NULL);
  /* The trust list belongs to the credentials (anchors and CRLs) */
  if (credentials != NULL)
    gnutls_certificate_get_trust_list (credentials, &ctx->tlist);
}

/* The name GnuTLS checks itself, in addition to ours: a DNS name or an
 * address in HOST mode; nothing in SIP mode, whose rules (no wildcards, SIP
 * URIs) GnuTLS does not know. */
static gchar *
gnutls_hostname (const PgsmTlsVerifySettings * settings,
    const gchar * server_name)
{
  if (settings->identity != PGSM_TLS_IDENTITY_HOST)
    return NULL;
  return normalize_host (server_name);
}

PgsmTlsVerdict *
pgsm_tls_verify_session (gnutls_session_t session,
    gnutls_certificate_credentials_t credentials,
    const PgsmTlsVerifySettings * settings, const gchar * server_name)
{
  const gnutls_datum_t *chain;
  unsigned int n = 0, status = 0;
  PgsmTlsVerdict *v = NULL;
  g_autofree gchar *hostname = NULL;
  Ctx ctx;
  int ret;

  g_return_val_if_fail (session != NULL, NULL);
  g_return_val_if_fail (settings != NULL, NULL);
  debug_init ();

  if (gnutls_certificate_type_get (session) != GNUTLS_CRT_X509)
    return verdict_new (PGSM_CERTIFICATE_GENERIC_ERROR,
        "the server did not present an X.509 certificate.");
  chain = gnutls_certificate_get_peers (session, &n);
  ctx_init (&ctx, settings, credentials, server_name, 0);
  ctx.crts = import_chain (chain, n, &v);
  if (ctx.crts == NULL) {
    g_string_free (ctx.reasons, TRUE);
    return v;
  }
  ctx.n_crts = n;

  /* verify_peers3 checks the chain against the credentials of the session
   * with the profile of its priorities; a negative return is an error in
   * the verification itself, never a pass */
  hostname = gnutls_hostname (settings, server_name);
  ret = gnutls_certificate_verify_peers3 (session, hostname, &status);
  v = finish (&ctx, status, ret, chain);
  free_crts (ctx.crts, ctx.n_crts);
  return v;
}

PgsmTlsVerdict *
pgsm_tls_verify_chain (const gnutls_datum_t * chain, guint chain_length,
    gnutls_certificate_credentials_t credentials,
    const PgsmTlsVerifySettings * settings, const gchar * server_name,
    time_t now)
{
  PgsmTlsVerdict *v = NULL;
  g_autofree gchar *hostname = NULL;
  gnutls_typed_vdata_st data[1];
  unsigned int status = 0, ndata = 0, vflags;
  Ctx ctx;
  int ret;

  g_return_val_if_fail (settings != NULL, NULL);
  debug_init ();

  ctx_init (&ctx, settings, credentials, server_name, now);
  ctx.crts = import_chain (chain, chain_length, &v);
  if (ctx.crts == NULL) {
    g_string_free (ctx.reasons, TRUE);
    return v;
  }
  ctx.n_crts = chain_length;

  if (ctx.tlist == NULL) {
    v = finish (&ctx, GNUTLS_CERT_INVALID | GNUTLS_CERT_SIGNER_NOT_FOUND, 0,
        chain);
    free_crts (ctx.crts, ctx.n_crts);
    return v;
  }

  hostname = gnutls_hostname (settings, server_name);
  if (hostname) {
    data[0].type = GNUTLS_DT_DNS_HOSTNAME;
    data[0].data = (unsigned char *) hostname;
    data[0].size = 0;
    ndata = 1;
  }
  /* The same profile as the sessions' priorities. GnuTLS has no "verify at
   * time T": with an explicit @now its date checks are off and ours (which
   * cover every certificate and the anchor) decide. */
  vflags = GNUTLS_PROFILE_TO_VFLAGS (GNUTLS_PROFILE_MEDIUM);
  if (now != 0)
    vflags |= GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
        GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS;
  ret = gnutls_x509_trust_list_verify_crt2 (ctx.tlist, ctx.crts, chain_length,
      data, ndata, vflags, &status, NULL);
  v = finish (&ctx, status, ret, chain);
  free_crts (ctx.crts, ctx.n_crts);
  return v;
}

PgsmTlsVerdict *
pgsm_tls_verdict_new_for_handshake_error (int gnutls_error)
{
  PgsmTlsVerdict *v;

  debug_init ();
  switch (gnutls_error) {
    case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
      v = verdict_new (PGSM_CERTIFICATE_INSECURE_PROTOCOL,
          "the server offered only TLS versions older than 1.2, which are "
          "not safe; the server must enable TLS 1.2 or 1.3.");
      break;
    case GNUTLS_E_INSUFFICIENT_SECURITY:
    case GNUTLS_E_NO_CIPHER_SUITES:
    case GNUTLS_E_UNKNOWN_CIPHER_SUITE:
    case GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM:
      v = verdict_new (PGSM_CERTIFICATE_INSECURE_PROTOCOL, NULL);
      v->reasons = g_strdup_printf ("the server offered no cipher suite or "
          "signature algorithm that is still considered safe (%s).",
          gnutls_strerror (gnutls_error));
      break;
    default:
      v = verdict_new (PGSM_CERTIFICATE_GENERIC_ERROR, NULL);
      v->reasons = g_strdup_printf ("the TLS handshake failed: %s.",
          gnutls_strerror (gnutls_error));
      break;
  }
  return v;
}

PgsmTlsVerdict *
pgsm_tls_verdict_new_for_session_error (gnutls_session_t session,
    int gnutls_error)
{
  PgsmTlsVerdict *v;
  gnutls_alert_description_t alert;

  if (session == NULL || gnutls_error != GNUTLS_E_FATAL_ALERT_RECEIVED)
    return pgsm_tls_verdict_new_for_handshake_error (gnutls_error);

  alert = gnutls_alert_get (session);
  switch (alert) {
    case GNUTLS_A_PROTOCOL_VERSION:
      v = verdict_new (PGSM_CERTIFICATE_INSECURE_PROTOCOL,
          "the server refused TLS 1.2 and 1.3 (protocol_version alert): it "
          "supports only older versions, which are not safe; the server "
          "must enable TLS 1.2 or 1.3.");
      break;
    case GNUTLS_A_INSUFFICIENT_SECURITY:
      v = verdict_new (PGSM_CERTIFICATE_INSECURE_PROTOCOL, NULL);
      v->reasons = g_strdup_printf ("the server found no cipher suite or "
          "parameters in common with our safe set (alert: %s).",
          GST_STR_NULL (gnutls_alert_get_name (alert)));
      break;
    default:
      v = verdict_new (PGSM_CERTIFICATE_GENERIC_ERROR, NULL);
      v->reasons = g_strdup_printf ("the TLS handshake failed: the server "
          "sent the alert '%s'.", GST_STR_NULL (gnutls_alert_get_name (alert)));
      break;
  }
  return v;
}

void
pgsm_tls_verdict_post_error (const PgsmTlsVerdict * verdict,
    GstElement * element, const gchar * host, guint port)
{
  GString *debug;

  g_return_if_fail (verdict != NULL);
  g_return_if_fail (GST_IS_ELEMENT (element));
  g_return_if_fail (verdict->flags != 0);

  debug = g_string_new (verdict->reasons ? verdict->reasons : "");
  if (verdict->subject) {
    g_autofree gchar *from = NULL, *to = NULL;

    from = format_time (verdict->not_before);
    to = format_time (verdict->not_after);
    g_string_append_printf (debug, "\nPeer certificate: subject '%s', "
        "issuer '%s', valid from %s to %s, SHA-256 %s.", verdict->subject,
        verdict->issuer ? verdict->issuer : "?", from, to,
        verdict->peer_sha256 ? verdict->peer_sha256 : "?");
  }
  pgsm_element_post_certificate_error (element, verdict->flags, host, port,
      verdict->peer_pem, verdict->peer_sha256, debug->str);
  g_string_free (debug, TRUE);
}
