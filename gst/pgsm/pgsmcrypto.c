/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:pgsmcrypto
 * @title: Crypto attributes
 * @short_description: parse and format RFC 4568 `a=crypto` values
 *
 * A #PgsmCryptoAttribute is the value of an SDP `a=crypto` line (SDES,
 * RFC 4568), without the `a=crypto:` prefix:
 *
 * |[
 * 1 AES_CM_128_HMAC_SHA1_80 inline:<base64 key||salt>|2^20|1:4 KDR=0
 * ]|
 *
 * that is a tag (1 to 9 digits), a crypto suite (see pgsm_srtp_suite_lookup()),
 * one or more `inline:` key parameters separated by `;` (each with an
 * optional lifetime and an optional `MKI:length`), then optional session
 * parameters (`KDR=`, `UNENCRYPTED_SRTP`, `UNENCRYPTED_SRTCP`,
 * `UNAUTHENTICATED_SRTP`, `FEC_ORDER=`, `FEC_KEY=`, `WSH=`).
 *
 * The parser is strict: the key must be canonical base64 of exactly the
 * suite's key and salt length, lifetimes are at most 2^48, several keys
 * need distinct MKIs of one length, and an unknown session parameter is an
 * error unless it starts with `-`. Error messages say what is wrong and
 * where, and never contain the key or its base64 text.
 *
 * Key material is kept in #GBytes that are wiped when released. The string
 * made by pgsm_crypto_attribute_to_string() contains the key: treat it as a
 * secret too.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "pgsmcrypto.h"

/* RFC 4568 section 6.1: SRTP keys live at most 2^48 packets */
#define MAX_LIFETIME (G_GUINT64_CONSTANT (1) << 48)
#define MAX_LIFETIME_LOG2 48
#define MAX_TAG 999999999u
#define MAX_TAG_DIGITS 9
#define MAX_MKI_LENGTH 128
#define MAX_KDR 24
#define MIN_WSH 64
/* Longest token we are willing to quote in an error message */
#define MAX_QUOTED 48

typedef enum
{
  FEC_ORDER_NONE = 0,
  FEC_ORDER_FEC_SRTP,
  FEC_ORDER_SRTP_FEC,
} FecOrder;

typedef struct
{
  GBytes *key_salt;             /* wiped when the last reference goes */
  guint64 lifetime;             /* 0: not given */
  guint32 mki;
  guint mki_length;             /* 0: no MKI */
} CryptoKey;

struct _PgsmCryptoAttribute
{
  guint tag;
  const PgsmSrtpSuiteInfo *info;
  GArray *keys;                 /* of CryptoKey */
  GArray *fec_keys;             /* of CryptoKey, FEC_KEY= */

  /* session parameters */
  gint kdr;                     /* -1: not given */
  gboolean unencrypted_srtp;
  gboolean unencrypted_srtcp;
  gboolean unauthenticated_srtp;
  FecOrder fec_order;
  guint wsh;                    /* 0: not given */
};

/* A piece of the input string, never NUL-terminated by itself */
typedef struct
{
  const gchar *p;
  gsize len;
} Span;

/**
 * pgsm_crypto_error_quark:
 *
 * Returns: the #GQuark of the %PGSM_CRYPTO_ERROR domain,
 * `pgsm-crypto-error-quark`
 *
 * Since: 0.1
 */
/* Written out rather than G_DEFINE_QUARK, whose dashed argument gst-indent
 * splits into "pgsm - crypto - error - quark" */
GQuark
pgsm_crypto_error_quark (void)
{
  return g_quark_from_static_string ("pgsm-crypto-error-quark");
}

G_DEFINE_BOXED_TYPE (PgsmCryptoAttribute, pgsm_crypto_attribute,
    pgsm_crypto_attribute_copy, pgsm_crypto_attribute_free);

/* ---- secrets ------------------------------------------------------------ */

/* Calling memset through a volatile pointer keeps the compiler from
 * dropping a store to memory that is freed right after. */
static void *(*const volatile wipe_memset) (void *, int, size_t) = memset;

static void
wipe (gpointer data, gsize len)
{
  if (data != NULL && len > 0)
    wipe_memset (data, 0, len);
}

typedef struct
{
  gsize len;
  guint8 data[];
} SecretBlock;

static void
secret_block_free (gpointer p)
{
  SecretBlock *b = p;

  wipe (b->data, b->len);
  g_free (b);
}

static SecretBlock *
secret_block_new (gsize len)
{
  SecretBlock *b = g_malloc0 (sizeof (SecretBlock) + len);

  b->len = len;
  return b;
}

/* Takes ownership of @b */
static GBytes *
secret_block_to_bytes (SecretBlock * b, gsize len)
{
  return g_bytes_new_with_free_func (b->data, len, secret_block_free, b);
}

static GBytes *
secret_bytes_copy (GBytes * bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  SecretBlock *b = secret_block_new (len);

  if (len > 0)
    memcpy (b->data, data, len);
  return secret_block_to_bytes (b, len);
}

static void
crypto_key_clear (gpointer p)
{
  CryptoKey *k = p;

  g_clear_pointer (&k->key_salt, g_bytes_unref);
}

static GArray *
key_array_new (void)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (CryptoKey));

  g_array_set_clear_func (a, crypto_key_clear);
  return a;
}

static GArray *
key_array_copy (GArray * src)
{
  GArray *a = key_array_new ();
  guint i;

  for (i = 0; i < src->len; i++) {
    CryptoKey k = g_array_index (src, CryptoKey, i);

    /* The bytes are immutable: sharing them is a copy */
    k.key_salt = g_bytes_ref (k.key_salt);
    g_array_append_val (a, k);
  }
  return a;
}

/* ---- small lexical helpers ---------------------------------------------- */

static inline gboolean
is_wsp (gchar c)
{
  return c == ' ' || c == '\t';
}

static gboolean
span_all_digits (Span s)
{
  gsize i;

  if (s.len == 0)
    return FALSE;
  for (i = 0; i < s.len; i++)
    if (!g_ascii_isdigit (s.p[i]))
      return FALSE;
  return TRUE;
}

/* Decimal digits to a number, FALSE on non-digits or above @max */
static gboolean
span_to_uint64 (Span s, guint64 max, guint64 * out)
{
  guint64 v = 0;
  gsize i;

  if (!span_all_digits (s))
    return FALSE;
  for (i = 0; i < s.len; i++) {
    guint d = s.p[i] - '0';

    if (v > (max - d) / 10)
      return FALSE;
    v = v * 10 + d;
  }
  *out = v;
  return TRUE;
}

static gboolean
span_has_prefix_ci (Span s, const gchar * prefix)
{
  gsize n = strlen (prefix);

  return s.len >= n && g_ascii_strncasecmp (s.p, prefix, n) == 0;
}

static gboolean
span_equal_ci (Span s, const gchar * word)
{
  return s.len == strlen (word) && g_ascii_strncasecmp (s.p, word, s.len) == 0;
}

static gssize
span_find (Span s, gchar c)
{
  const gchar *q = memchr (s.p, c, s.len);

  return q ? q - s.p : -1;
}

static Span
span_sub (Span s, gsize from, gsize len)
{
  Span r = { s.p + from, len };
  return r;
}

/* Splits @s at every @sep, empty pieces included. */
static GArray *
span_split (Span s, gchar sep)
{
  GArray *parts = g_array_new (FALSE, FALSE, sizeof (Span));
  gsize start = 0, i;

  for (i = 0; i <= s.len; i++) {
    if (i == s.len || s.p[i] == sep) {
      Span part = span_sub (s, start, i - start);

      g_array_append_val (parts, part);
      start = i + 1;
    }
  }
  return parts;
}

/* A token may be quoted in an error message only when it cannot be key
 * material: base64 (RFC 4648 section 4) has no '_', so a short token of
 * letters, digits and '_' that contains at least one '_' is safe. */
static gboolean
span_is_quotable (Span s)
{
  gboolean underscore = FALSE;
  gsize i;

  if (s.len == 0 || s.len > MAX_QUOTED)
    return FALSE;
  for (i = 0; i < s.len; i++) {
    if (s.p[i] == '_')
      underscore = TRUE;
    else if (!g_ascii_isalnum (s.p[i]))
      return FALSE;
  }
  return underscore;
}

/* ---- base64 (strict) ---------------------------------------------------- */

static gint
base64_value (guchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/* Strict RFC 4648 base64 with padding: only the alphabet, '=' only as the
 * last one or two characters, unused bits zero (one text per key). Messages
 * give positions and counts, never characters of the text. */
static SecretBlock *
base64_decode_strict (Span s, gsize * out_len, GError ** error)
{
  SecretBlock *b;
  gsize i, pad = 0, n = 0;
  guint32 acc = 0;

  if (s.len == 0) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_BASE64,
        "the key is empty");
    return NULL;
  }
  if (s.len % 4 != 0) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_BASE64,
        "the base64 key is %" G_GSIZE_FORMAT " characters long, not a "
        "multiple of 4 (missing padding or stray characters)", s.len);
    return NULL;
  }
  if (s.p[s.len - 1] == '=')
    pad = (s.p[s.len - 2] == '=') ? 2 : 1;

  for (i = 0; i < s.len - pad; i++) {
    guchar c = s.p[i];

    if (base64_value (c) < 0) {
      if (c == '=')
        g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_BASE64,
            "base64 padding '=' at position %" G_GSIZE_FORMAT " of %"
            G_GSIZE_FORMAT ", before the end of the key", i + 1, s.len);
      else
        g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_BASE64,
            "byte 0x%02x at position %" G_GSIZE_FORMAT " of the key is not "
            "a base64 character", c, i + 1);
      return NULL;
    }
  }

  b = secret_block_new (s.len / 4 * 3);
  for (i = 0; i < s.len - pad; i++) {
    acc = (acc << 6) | (guint32) base64_value (s.p[i]);
    if (i % 4 == 3) {
      b->data[n++] = (acc >> 16) & 0xff;
      b->data[n++] = (acc >> 8) & 0xff;
      b->data[n++] = acc & 0xff;
      acc = 0;
    }
  }
  if (pad == 2) {
    /* 2 characters = 12 bits: 8 bits of data, 4 that must be zero */
    if (acc & 0x0f)
      goto non_canonical;
    b->data[n++] = (acc >> 4) & 0xff;
  } else if (pad == 1) {
    /* 3 characters = 18 bits: 16 bits of data, 2 that must be zero */
    if (acc & 0x03)
      goto non_canonical;
    b->data[n++] = (acc >> 10) & 0xff;
    b->data[n++] = (acc >> 2) & 0xff;
  }
  acc = 0;
  *out_len = n;
  return b;

non_canonical:
  acc = 0;
  secret_block_free (b);
  g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_BASE64,
      "the base64 key is not canonical: the bits after its last byte are "
      "not zero");
  return NULL;
}

/* ---- key checks shared by the parser and pgsm_crypto_attribute_add_key -- */

static gboolean
check_key_length (const PgsmSrtpSuiteInfo * info, gsize len, GError ** error)
{
  if (len != info->key_length + info->salt_length) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_KEY_LENGTH,
        "key length %" G_GSIZE_FORMAT " bytes, %s needs %u (key %u + salt %u)",
        len, info->name, info->key_length + info->salt_length,
        info->key_length, info->salt_length);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_lifetime (guint64 lifetime, GError ** error)
{
  if (lifetime > MAX_LIFETIME) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_LIFETIME,
        "lifetime %" G_GUINT64_FORMAT " is over the SRTP maximum 2^48 "
        "(%" G_GUINT64_FORMAT ")", lifetime, MAX_LIFETIME);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_mki (guint32 mki, guint mki_length, GError ** error)
{
  if (mki_length > MAX_MKI_LENGTH) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_MKI,
        "MKI length %u is out of range 1..%u", mki_length, MAX_MKI_LENGTH);
    return FALSE;
  }
  if (mki_length > 0 && mki_length < 4 && mki >> (8 * mki_length) != 0) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_MKI,
        "MKI value %u does not fit in %u byte%s", mki, mki_length,
        mki_length == 1 ? "" : "s");
    return FALSE;
  }
  return TRUE;
}

/* All keys of one attribute (or of its FEC_KEY) share the MKI length, have
 * distinct MKI values, and several keys need an MKI each (RFC 4568
 * section 6.1: the MKI is how the receiver picks a key). */
static gboolean
check_mki_against (GArray * keys, guint32 mki, guint mki_length,
    GError ** error)
{
  guint i;

  if (keys->len == 0)
    return TRUE;

  for (i = 0; i < keys->len; i++) {
    const CryptoKey *k = &g_array_index (keys, CryptoKey, i);

    if (k->mki_length == 0 || mki_length == 0) {
      g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_MKI,
          "several keys need an MKI each, and key %u has none",
          k->mki_length == 0 ? i + 1 : keys->len + 1);
      return FALSE;
    }
    if (k->mki_length != mki_length) {
      g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_MKI,
          "MKI length %u differs from the MKI length %u of key %u",
          mki_length, k->mki_length, i + 1);
      return FALSE;
    }
    if (k->mki == mki) {
      g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_MKI,
          "MKI value %u is already used by key %u", mki, i + 1);
      return FALSE;
    }
  }
  return TRUE;
}

/* Takes ownership of @key_salt on success and on failure */
static gboolean
key_array_add (GArray * keys, const PgsmSrtpSuiteInfo * info,
    GBytes * key_salt, guint64 lifetime, guint32 mki, guint mki_length,
    GError ** error)
{
  CryptoKey k;

  if (!check_key_length (info, g_bytes_get_size (key_salt), error) ||
      !check_lifetime (lifetime, error) ||
      !check_mki (mki, mki_length, error) ||
      !check_mki_against (keys, mki, mki_length, error)) {
    g_bytes_unref (key_salt);
    return FALSE;
  }

  k.key_salt = key_salt;
  k.lifetime = lifetime;
  k.mki = mki_length ? mki : 0;
  k.mki_length = mki_length;
  g_array_append_val (keys, k);
  return TRUE;
}

/* ---- parser ------------------------------------------------------------- */

static gboolean
parse_lifetime (Span s, guint64 * lifetime, GError ** error)
{
  guint64 v;

  if (s.len == 0) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_LIFETIME,
        "the lifetime is empty");
    return FALSE;
  }
  if (s.len >= 2 && s.p[0] == '2' && s.p[1] == '^') {
    Span exp = span_sub (s, 2, s.len - 2);

    if (!span_all_digits (exp)) {
      g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_LIFETIME,
          "the lifetime exponent after 2^ is not a decimal number");
      return FALSE;
    }
    if (!span_to_uint64 (exp, MAX_LIFETIME_LOG2, &v)) {
      g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_LIFETIME,
          "lifetime 2^n with n over %u is over the SRTP maximum 2^48",
          MAX_LIFETIME_LOG2);
      return FALSE;
    }
    *lifetime = G_GUINT64_CONSTANT (1) << v;
    return TRUE;
  }
  if (!span_all_digits (s)) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_LIFETIME,
        "the lifetime is neither a decimal number nor 2^n");
    return FALSE;
  }
  if (!span_to_uint64 (s, MAX_LIFETIME, &v)) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_LIFETIME,
        "the lifetime is over the SRTP maximum 2^48 (%" G_GUINT64_FORMAT ")",
        MAX_LIFETIME);
    return FALSE;
  }
  if (v == 0) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_LIFETIME,
        "lifetime 0: a key must be usable for at least one packet");
    return FALSE;
  }
  *lifetime = v;
  return TRUE;
}

/* mki = mki-value ":" mki-length; mki-value = 1*DIGIT;
 * mki-length = 1*3DIGIT, 1..128 */
static gboolean
parse_mki (Span s, guint32 * mki, guint * mki_length, GError ** error)
{
  gssize colon = span_find (s, ':');
  Span value, length;
  guint64 v, l;

  g_assert (colon >= 0);
  value = span_sub (s, 0, colon);
  length = span_sub (s, colon + 1, s.len - colon - 1);

  if (!span_all_digits (value)) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_MKI,
        "the MKI value is not a decimal number (MKI is value:length)");
    return FALSE;
  }
  if (!span_all_digits (length)) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_MKI,
        "the MKI length is not a decimal number (MKI is value:length)");
    return FALSE;
  }
  if (length.len > 3 || !span_to_uint64 (length, 999, &l)) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_MKI,
        "the MKI length has %" G_GSIZE_FORMAT " digits, at most 3 allowed "
        "(range 1..%u)", length.len, MAX_MKI_LENGTH);
    return FALSE;
  }
  if (l == 0 || l > MAX_MKI_LENGTH) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_MKI,
        "MKI length %u is out of range 1..%u", (guint) l, MAX_MKI_LENGTH);
    return FALSE;
  }
  if (!span_to_uint64 (value, G_MAXUINT32, &v)) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_MKI,
        "the MKI value is over %u, the largest supported", G_MAXUINT32);
    return FALSE;
  }
  *mki = (guint32) v;
  *mki_length = (guint) l;
  return TRUE;
}

/* key-param = "inline:" key-salt ["|" lifetime] ["|" mki]; appended to
 * @keys on success */
static gboolean
parse_key_param (Span s, const PgsmSrtpSuiteInfo * info, GArray * keys,
    GError ** error)
{
  GArray *fields = NULL;
  Span key_text;
  SecretBlock *block;
  gsize key_len;
  guint64 lifetime = 0;
  guint32 mki = 0;
  guint mki_length = 0;
  gboolean ret = FALSE;

  if (s.len == 0) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_SYNTAX,
        "empty key parameter (stray ';')");
    goto out;
  }
  /* ABNF literals are case-insensitive (RFC 5234 section 2.3) */
  if (!span_has_prefix_ci (s, "inline:")) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_MISSING_INLINE,
        "the key parameter does not start with 'inline:', the only key "
        "method SRTP defines");
    goto out;
  }

  fields = span_split (span_sub (s, 7, s.len - 7), '|');
  if (fields->len > 3) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_SYNTAX,
        "the key parameter has %u '|'-separated fields, at most 3 allowed "
        "(key, lifetime, MKI)", fields->len);
    goto out;
  }

  if (fields->len == 3) {
    Span lt = g_array_index (fields, Span, 1);
    Span m = g_array_index (fields, Span, 2);

    if (!parse_lifetime (lt, &lifetime, error))
      goto out;
    if (span_find (m, ':') < 0) {
      g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_MKI,
          "the MKI has no ':' (MKI is value:length)");
      goto out;
    }
    if (!parse_mki (m, &mki, &mki_length, error))
      goto out;
  } else if (fields->len == 2) {
    /* One optional field: an MKI has a colon, a lifetime never does */
    Span f = g_array_index (fields, Span, 1);

    if (span_find (f, ':') >= 0) {
      if (!parse_mki (f, &mki, &mki_length, error))
        goto out;
    } else if (!parse_lifetime (f, &lifetime, error)) {
      goto out;
    }
  }

  key_text = g_array_index (fields, Span, 0);
  block = base64_decode_strict (key_text, &key_len, error);
  if (block == NULL)
    goto out;
  ret = key_array_add (keys, info, secret_block_to_bytes (block, key_len),
      lifetime, mki, mki_length, error);

out:
  if (fields)
    g_array_unref (fields);
  return ret;
}

/* key-params = key-param *(";" key-param). On error, says which one when
 * there are several. */
static gboolean
parse_key_params (Span s, const PgsmSrtpSuiteInfo * info, GArray * keys,
    GError ** error)
{
  GArray *params = span_split (s, ';');
  gboolean ret = TRUE;
  guint i;

  for (i = 0; i < params->len && ret; i++) {
    GError *err = NULL;

    if (!parse_key_param (g_array_index (params, Span, i), info, keys, &err)) {
      if (params->len > 1)
        g_prefix_error (&err, "key parameter %u of %u: ", i + 1, params->len);
      g_propagate_error (error, err);
      ret = FALSE;
    }
  }
  g_array_unref (params);
  return ret;
}

static gboolean
duplicate_param (gboolean seen, const gchar * name, GError ** error)
{
  if (seen)
    g_set_error (error, PGSM_CRYPTO_ERROR,
        PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM,
        "session parameter %s is given more than once", name);
  return seen;
}

/* "NAME=" at the start of @s, case-insensitively; *value is what follows */
static gboolean
param_with_value (Span s, const gchar * name, Span * value)
{
  gsize n = strlen (name);

  if (s.len < n + 1 || g_ascii_strncasecmp (s.p, name, n) != 0 || s.p[n] != '=')
    return FALSE;
  *value = span_sub (s, n + 1, s.len - n - 1);
  return TRUE;
}

static gboolean
parse_fec_key (PgsmCryptoAttribute * attr, Span value, GError ** error)
{
  GError *err = NULL;

  if (duplicate_param (attr->fec_keys->len > 0, "FEC_KEY", error))
    return FALSE;
  if (parse_key_params (value, attr->info, attr->fec_keys, &err))
    return TRUE;

  /* The inner reason stays in the message; the code says where it is */
  g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM,
      "FEC_KEY: %s", err->message);
  g_error_free (err);
  return FALSE;
}

static gboolean
unknown_param (Span s, GError ** error)
{
  gssize eq = span_find (s, '=');
  Span name = eq >= 0 ? span_sub (s, 0, eq) : s;

  if (span_is_quotable (name))
    g_set_error (error, PGSM_CRYPTO_ERROR,
        PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM,
        "unknown session parameter %.*s (only those starting with '-' may "
        "be ignored)", (int) name.len, name.p);
  else
    g_set_error (error, PGSM_CRYPTO_ERROR,
        PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM,
        "unknown session parameter (a %" G_GSIZE_FORMAT "-character word, "
        "not quoted; only parameters starting with '-' may be ignored)", s.len);
  return FALSE;
}

static gboolean
parse_session_param (PgsmCryptoAttribute * attr, Span s, GError ** error)
{
  Span value;
  guint64 v;

  /* RFC 4568 section 6.3.7 (and 5.1.1 of the offer/answer rules): unknown
   * parameters marked with '-' are not mandatory and are ignored */
  if (s.p[0] == '-')
    return TRUE;

  if (param_with_value (s, "KDR", &value)) {
    if (duplicate_param (attr->kdr >= 0, "KDR", error))
      return FALSE;
    if (value.len > 2 || !span_to_uint64 (value, 99, &v) || v > MAX_KDR) {
      if (span_all_digits (value) && value.len <= 2)
        g_set_error (error, PGSM_CRYPTO_ERROR,
            PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM,
            "KDR %u is out of range 0..%u", (guint) v, MAX_KDR);
      else
        g_set_error (error, PGSM_CRYPTO_ERROR,
            PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM,
            "KDR must be 1 or 2 decimal digits in the range 0..%u", MAX_KDR);
      return FALSE;
    }
    attr->kdr = (gint) v;
  } else if (span_equal_ci (s, "UNENCRYPTED_SRTP")) {
    if (duplicate_param (attr->unencrypted_srtp, "UNENCRYPTED_SRTP", error))
      return FALSE;
    attr->unencrypted_srtp = TRUE;
  } else if (span_equal_ci (s, "UNENCRYPTED_SRTCP")) {
    if (duplicate_param (attr->unencrypted_srtcp, "UNENCRYPTED_SRTCP", error))
      return FALSE;
    attr->unencrypted_srtcp = TRUE;
  } else if (span_equal_ci (s, "UNAUTHENTICATED_SRTP")) {
    if (duplicate_param (attr->unauthenticated_srtp, "UNAUTHENTICATED_SRTP",
            error))
      return FALSE;
    attr->unauthenticated_srtp = TRUE;
  } else if (param_with_value (s, "FEC_ORDER", &value)) {
    if (duplicate_param (attr->fec_order != FEC_ORDER_NONE, "FEC_ORDER", error))
      return FALSE;
    if (span_equal_ci (value, "FEC_SRTP")) {
      attr->fec_order = FEC_ORDER_FEC_SRTP;
    } else if (span_equal_ci (value, "SRTP_FEC")) {
      attr->fec_order = FEC_ORDER_SRTP_FEC;
    } else {
      g_set_error (error, PGSM_CRYPTO_ERROR,
          PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM,
          "FEC_ORDER must be FEC_SRTP or SRTP_FEC");
      return FALSE;
    }
  } else if (param_with_value (s, "FEC_KEY", &value)) {
    return parse_fec_key (attr, value, error);
  } else if (param_with_value (s, "WSH", &value)) {
    if (duplicate_param (attr->wsh > 0, "WSH", error))
      return FALSE;
    if (!span_all_digits (value)) {
      g_set_error (error, PGSM_CRYPTO_ERROR,
          PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM,
          "WSH must be a decimal number of at least %u", MIN_WSH);
      return FALSE;
    }
    if (!span_to_uint64 (value, G_MAXUINT32, &v) || v < MIN_WSH) {
      g_set_error (error, PGSM_CRYPTO_ERROR,
          PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM,
          "WSH is out of range %u..%u", MIN_WSH, G_MAXUINT32);
      return FALSE;
    }
    attr->wsh = (guint) v;
  } else {
    return unknown_param (s, error);
  }
  return TRUE;
}

static gboolean
parse_tag (Span s, guint * tag, GError ** error)
{
  guint64 v;

  if (!span_all_digits (s)) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_TAG,
        "the tag is not a decimal number");
    return FALSE;
  }
  if (s.len > MAX_TAG_DIGITS) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_TAG,
        "the tag has %" G_GSIZE_FORMAT " digits, at most %u allowed",
        s.len, MAX_TAG_DIGITS);
    return FALSE;
  }
  span_to_uint64 (s, MAX_TAG, &v);
  *tag = (guint) v;
  return TRUE;
}

static const PgsmSrtpSuiteInfo *
parse_suite (Span s, GError ** error)
{
  const PgsmSrtpSuiteInfo *info = NULL;

  if (span_has_prefix_ci (s, "inline:")) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_SYNTAX,
        "the crypto suite is missing: a key parameter follows the tag");
    return NULL;
  }
  if (span_is_quotable (s)) {
    gchar *name = g_strndup (s.p, s.len);

    info = pgsm_srtp_suite_lookup (name);
    if (info == NULL)
      g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_UNKNOWN_SUITE,
          "unknown crypto suite %s", name);
    g_free (name);
  } else {
    /* Every suite name is quotable: this one is unknown, and may be a
     * misplaced key, so it is not repeated */
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_UNKNOWN_SUITE,
        "unknown crypto suite (a %" G_GSIZE_FORMAT "-character word that is "
        "not a suite name, not quoted)", s.len);
  }
  return info;
}

/* Splits at runs of SP/HTAB (RFC 4568: 1*WSP), leading and trailing
 * whitespace ignored */
static GArray *
split_words (const gchar * value)
{
  GArray *words = g_array_new (FALSE, FALSE, sizeof (Span));
  const gchar *p = value;

  while (*p) {
    Span w;

    while (is_wsp (*p))
      p++;
    if (*p == '\0')
      break;
    w.p = p;
    while (*p && !is_wsp (*p))
      p++;
    w.len = p - w.p;
    g_array_append_val (words, w);
  }
  return words;
}

static PgsmCryptoAttribute *
attribute_alloc (guint tag, const PgsmSrtpSuiteInfo * info)
{
  PgsmCryptoAttribute *attr = g_new0 (PgsmCryptoAttribute, 1);

  attr->tag = tag;
  attr->info = info;
  attr->keys = key_array_new ();
  attr->fec_keys = key_array_new ();
  attr->kdr = -1;
  return attr;
}

static gboolean
check_head (GArray * words, GError ** error)
{
  if (words->len == 0) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_SYNTAX,
        "the crypto attribute is empty");
    return FALSE;
  }
  if (g_ascii_strncasecmp (g_array_index (words, Span, 0).p, "a=crypto:",
          9) == 0) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_SYNTAX,
        "give the attribute value without the 'a=crypto:' prefix");
    return FALSE;
  }
  return TRUE;
}

/**
 * pgsm_crypto_attribute_parse:
 * @value: the value of an `a=crypto` attribute, without `a=crypto:`
 *   (leading and trailing spaces and tabs are ignored)
 * @error: return location for a #PGSM_CRYPTO_ERROR, or %NULL
 *
 * Parses an RFC 4568 crypto attribute value, checking everything this
 * library can check without a peer: tag, suite, the base64 and length of
 * every key, lifetimes, MKIs and session parameters. Error messages never
 * contain key material.
 *
 * Returns: (transfer full) (nullable): a new attribute, or %NULL with
 * @error set
 *
 * Since: 0.1
 */
PgsmCryptoAttribute *
pgsm_crypto_attribute_parse (const gchar * value, GError ** error)
{
  PgsmCryptoAttribute *attr = NULL;
  const PgsmSrtpSuiteInfo *info;
  GArray *words;
  guint tag, i;

  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  words = split_words (value);
  if (!check_head (words, error))
    goto out;
  if (!parse_tag (g_array_index (words, Span, 0), &tag, error))
    goto out;
  if (words->len < 2) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_SYNTAX,
        "the crypto suite and key parameters are missing after the tag");
    goto out;
  }
  info = parse_suite (g_array_index (words, Span, 1), error);
  if (info == NULL)
    goto out;
  if (words->len < 3) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_SYNTAX,
        "the key parameters are missing after the crypto suite");
    goto out;
  }

  attr = attribute_alloc (tag, info);
  if (!parse_key_params (g_array_index (words, Span, 2), info, attr->keys,
          error))
    goto fail;
  for (i = 3; i < words->len; i++) {
    if (!parse_session_param (attr, g_array_index (words, Span, i), error))
      goto fail;
  }

out:
  g_array_unref (words);
  return attr;

fail:
  g_clear_pointer (&attr, pgsm_crypto_attribute_free);
  goto out;
}

/* ---- formatting --------------------------------------------------------- */

static void
append_lifetime (GString * s, guint64 lifetime)
{
  if ((lifetime & (lifetime - 1)) == 0) {
    guint n = 0;

    while ((G_GUINT64_CONSTANT (1) << n) != lifetime)
      n++;
    g_string_append_printf (s, "2^%u", n);
  } else {
    g_string_append_printf (s, "%" G_GUINT64_FORMAT, lifetime);
  }
}

static void
append_keys (GString * s, GArray * keys)
{
  guint i;

  for (i = 0; i < keys->len; i++) {
    const CryptoKey *k = &g_array_index (keys, CryptoKey, i);
    gsize len;
    const guint8 *data = g_bytes_get_data (k->key_salt, &len);
    gchar *b64 = g_base64_encode (data, len);

    if (i > 0)
      g_string_append_c (s, ';');
    g_string_append (s, "inline:");
    g_string_append (s, b64);
    wipe (b64, strlen (b64));
    g_free (b64);
    if (k->lifetime) {
      g_string_append_c (s, '|');
      append_lifetime (s, k->lifetime);
    }
    if (k->mki_length)
      g_string_append_printf (s, "|%u:%u", k->mki, k->mki_length);
  }
}

/* Room for a key parameter: base64 of key||salt plus the longest lifetime
 * and MKI, so the string is never reallocated (which would leave copies of
 * the key in freed memory) */
static gsize
keys_size (GArray * keys, const PgsmSrtpSuiteInfo * info)
{
  gsize b64 = (info->key_length + info->salt_length + 2) / 3 * 4;

  return keys->len * (b64 + 48);
}

/**
 * pgsm_crypto_attribute_to_string:
 * @attr: an attribute with at least one key
 *
 * Formats @attr in canonical form: one space between fields, the suite's
 * RFC name (never an alias), `inline:` in lower case, lifetimes as `2^n`
 * when they are a power of two and in decimal otherwise, MKIs as
 * `value:length`, session parameters in the order KDR, UNENCRYPTED_SRTP,
 * UNENCRYPTED_SRTCP, UNAUTHENTICATED_SRTP, FEC_ORDER, FEC_KEY, WSH.
 * Parameters ignored by the parser (those starting with `-`) are not
 * written. Parsing the result gives an attribute equal to @attr.
 *
 * The result contains the keys: wipe it before freeing it.
 *
 * Returns: (transfer full) (nullable): the attribute value (without
 * `a=crypto:`), or %NULL when @attr has no key
 *
 * Since: 0.1
 */
gchar *
pgsm_crypto_attribute_to_string (const PgsmCryptoAttribute * attr)
{
  GString *s;

  g_return_val_if_fail (attr != NULL, NULL);
  g_return_val_if_fail (attr->keys->len > 0, NULL);

  s = g_string_sized_new (128 + keys_size (attr->keys, attr->info) +
      keys_size (attr->fec_keys, attr->info));
  g_string_append_printf (s, "%u %s ", attr->tag, attr->info->name);
  append_keys (s, attr->keys);
  if (attr->kdr >= 0)
    g_string_append_printf (s, " KDR=%d", attr->kdr);
  if (attr->unencrypted_srtp)
    g_string_append (s, " UNENCRYPTED_SRTP");
  if (attr->unencrypted_srtcp)
    g_string_append (s, " UNENCRYPTED_SRTCP");
  if (attr->unauthenticated_srtp)
    g_string_append (s, " UNAUTHENTICATED_SRTP");
  if (attr->fec_order == FEC_ORDER_FEC_SRTP)
    g_string_append (s, " FEC_ORDER=FEC_SRTP");
  else if (attr->fec_order == FEC_ORDER_SRTP_FEC)
    g_string_append (s, " FEC_ORDER=SRTP_FEC");
  if (attr->fec_keys->len > 0) {
    g_string_append (s, " FEC_KEY=");
    append_keys (s, attr->fec_keys);
  }
  if (attr->wsh > 0)
    g_string_append_printf (s, " WSH=%u", attr->wsh);

  return g_string_free (s, FALSE);
}

/* ---- building ----------------------------------------------------------- */

/**
 * pgsm_crypto_attribute_new:
 * @tag: the tag, 0 to 999999999
 * @suite: the crypto suite, not %PGSM_SRTP_SUITE_NONE
 *
 * Creates an attribute with no key and no session parameter; add keys with
 * pgsm_crypto_attribute_add_key().
 *
 * Returns: (transfer full): a new attribute
 *
 * Since: 0.1
 */
PgsmCryptoAttribute *
pgsm_crypto_attribute_new (guint tag, PgsmSrtpSuite suite)
{
  const PgsmSrtpSuiteInfo *info = pgsm_srtp_suite_get_info (suite);

  g_return_val_if_fail (tag <= MAX_TAG, NULL);
  g_return_val_if_fail (info != NULL, NULL);

  return attribute_alloc (tag, info);
}

/**
 * pgsm_crypto_attribute_add_key:
 * @attr: an attribute
 * @key_salt: the master key followed by the master salt, exactly as long
 *   as the suite needs
 * @lifetime: the key lifetime in packets, 1 to 2^48, or 0 for none
 * @mki: the MKI value (ignored when @mki_length is 0)
 * @mki_length: the MKI length in bytes, 1 to 128, or 0 for no MKI
 * @error: return location for a #PGSM_CRYPTO_ERROR, or %NULL
 *
 * Appends a key with the same checks as pgsm_crypto_attribute_parse():
 * key length, lifetime range, MKI range, and, when @attr already has keys,
 * an MKI of the same length and a value not yet used. The key bytes are
 * copied into memory that is wiped when @attr is freed.
 *
 * Returns: %TRUE if the key was added, %FALSE with @error set otherwise
 *
 * Since: 0.1
 */
gboolean
pgsm_crypto_attribute_add_key (PgsmCryptoAttribute * attr, GBytes * key_salt,
    guint64 lifetime, guint32 mki, guint mki_length, GError ** error)
{
  g_return_val_if_fail (attr != NULL, FALSE);
  g_return_val_if_fail (key_salt != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return key_array_add (attr->keys, attr->info, secret_bytes_copy (key_salt),
      lifetime, mki, mki_length, error);
}

/**
 * pgsm_crypto_attribute_copy:
 * @attr: an attribute
 *
 * Returns: (transfer full): a copy of @attr
 *
 * Since: 0.1
 */
PgsmCryptoAttribute *
pgsm_crypto_attribute_copy (const PgsmCryptoAttribute * attr)
{
  PgsmCryptoAttribute *copy;

  g_return_val_if_fail (attr != NULL, NULL);

  copy = g_new0 (PgsmCryptoAttribute, 1);
  *copy = *attr;
  copy->keys = key_array_copy (attr->keys);
  copy->fec_keys = key_array_copy (attr->fec_keys);
  return copy;
}

/**
 * pgsm_crypto_attribute_free:
 * @attr: (nullable): an attribute
 *
 * Frees @attr; key material no other copy refers to is wiped.
 *
 * Since: 0.1
 */
void
pgsm_crypto_attribute_free (PgsmCryptoAttribute * attr)
{
  if (attr == NULL)
    return;
  g_array_unref (attr->keys);
  g_array_unref (attr->fec_keys);
  wipe (attr, sizeof (*attr));
  g_free (attr);
}

/* ---- accessors ---------------------------------------------------------- */

/**
 * pgsm_crypto_attribute_get_tag:
 * @attr: an attribute
 *
 * Returns: the tag
 *
 * Since: 0.1
 */
guint
pgsm_crypto_attribute_get_tag (const PgsmCryptoAttribute * attr)
{
  g_return_val_if_fail (attr != NULL, 0);
  return attr->tag;
}

/**
 * pgsm_crypto_attribute_set_tag:
 * @attr: an attribute
 * @tag: the new tag, at most 999999999
 *
 * Changes the tag of @attr, e.g. to answer with the same key under the tag
 * the offerer chose (RFC 4568 5.1.2).
 *
 * Since: 0.1
 */
void
pgsm_crypto_attribute_set_tag (PgsmCryptoAttribute * attr, guint tag)
{
  g_return_if_fail (attr != NULL);
  g_return_if_fail (tag <= MAX_TAG);
  attr->tag = tag;
}

/**
 * pgsm_crypto_attribute_get_suite:
 * @attr: an attribute
 *
 * Returns: the crypto suite (an alias in the input gives the suite it
 * stands for)
 *
 * Since: 0.1
 */
PgsmSrtpSuite
pgsm_crypto_attribute_get_suite (const PgsmCryptoAttribute * attr)
{
  g_return_val_if_fail (attr != NULL, PGSM_SRTP_SUITE_NONE);
  return attr->info->suite;
}

/**
 * pgsm_crypto_attribute_get_n_keys:
 * @attr: an attribute
 *
 * Returns: the number of `inline:` keys (FEC_KEY keys not counted); at
 * least 1 for a parsed attribute
 *
 * Since: 0.1
 */
guint
pgsm_crypto_attribute_get_n_keys (const PgsmCryptoAttribute * attr)
{
  g_return_val_if_fail (attr != NULL, 0);
  return attr->keys->len;
}

static const CryptoKey *
get_key (const PgsmCryptoAttribute * attr, guint index)
{
  if (index >= attr->keys->len)
    return NULL;
  return &g_array_index (attr->keys, CryptoKey, index);
}

/**
 * pgsm_crypto_attribute_get_key:
 * @attr: an attribute
 * @index: a key index, below pgsm_crypto_attribute_get_n_keys()
 *
 * The returned bytes are wiped when their last reference is dropped.
 *
 * Returns: (transfer full) (nullable): the master key followed by the
 * master salt, or %NULL when @index is out of range
 *
 * Since: 0.1
 */
GBytes *
pgsm_crypto_attribute_get_key (const PgsmCryptoAttribute * attr, guint index)
{
  const CryptoKey *k;

  g_return_val_if_fail (attr != NULL, NULL);
  k = get_key (attr, index);
  g_return_val_if_fail (k != NULL, NULL);
  return g_bytes_ref (k->key_salt);
}

/**
 * pgsm_crypto_attribute_get_lifetime:
 * @attr: an attribute
 * @index: a key index, below pgsm_crypto_attribute_get_n_keys()
 *
 * Returns: the lifetime of key @index in packets, or 0 when none was given
 * (the SRTP default, 2^48, then applies)
 *
 * Since: 0.1
 */
guint64
pgsm_crypto_attribute_get_lifetime (const PgsmCryptoAttribute * attr,
    guint index)
{
  const CryptoKey *k;

  g_return_val_if_fail (attr != NULL, 0);
  k = get_key (attr, index);
  g_return_val_if_fail (k != NULL, 0);
  return k->lifetime;
}

/**
 * pgsm_crypto_attribute_get_mki:
 * @attr: an attribute
 * @index: a key index, below pgsm_crypto_attribute_get_n_keys()
 * @mki: (out) (optional): the MKI value
 * @mki_length: (out) (optional): the MKI length in bytes
 *
 * Returns: %TRUE if key @index has an MKI; when it has none, %FALSE and
 * @mki and @mki_length are set to 0
 *
 * Since: 0.1
 */
gboolean
pgsm_crypto_attribute_get_mki (const PgsmCryptoAttribute * attr, guint index,
    guint32 * mki, guint * mki_length)
{
  const CryptoKey *k;

  if (mki)
    *mki = 0;
  if (mki_length)
    *mki_length = 0;
  g_return_val_if_fail (attr != NULL, FALSE);
  k = get_key (attr, index);
  g_return_val_if_fail (k != NULL, FALSE);

  if (mki)
    *mki = k->mki;
  if (mki_length)
    *mki_length = k->mki_length;
  return k->mki_length > 0;
}

/**
 * pgsm_crypto_attribute_get_kdr:
 * @attr: an attribute
 *
 * Returns: the key derivation rate exponent (the rate is 2^KDR), 0 to 24,
 * or -1 when the `KDR` session parameter is absent
 *
 * Since: 0.1
 */
gint
pgsm_crypto_attribute_get_kdr (const PgsmCryptoAttribute * attr)
{
  g_return_val_if_fail (attr != NULL, -1);
  return attr->kdr;
}

/**
 * pgsm_crypto_attribute_get_unencrypted_srtp:
 * @attr: an attribute
 *
 * Returns: %TRUE if the `UNENCRYPTED_SRTP` session parameter is given
 *
 * Since: 0.1
 */
gboolean
pgsm_crypto_attribute_get_unencrypted_srtp (const PgsmCryptoAttribute * attr)
{
  g_return_val_if_fail (attr != NULL, FALSE);
  return attr->unencrypted_srtp;
}

/**
 * pgsm_crypto_attribute_get_unencrypted_srtcp:
 * @attr: an attribute
 *
 * Returns: %TRUE if the `UNENCRYPTED_SRTCP` session parameter is given
 *
 * Since: 0.1
 */
gboolean
pgsm_crypto_attribute_get_unencrypted_srtcp (const PgsmCryptoAttribute * attr)
{
  g_return_val_if_fail (attr != NULL, FALSE);
  return attr->unencrypted_srtcp;
}

/**
 * pgsm_crypto_attribute_get_unauthenticated_srtp:
 * @attr: an attribute
 *
 * Returns: %TRUE if the `UNAUTHENTICATED_SRTP` session parameter is given
 *
 * Since: 0.1
 */
gboolean
pgsm_crypto_attribute_get_unauthenticated_srtp (const PgsmCryptoAttribute *
    attr)
{
  g_return_val_if_fail (attr != NULL, FALSE);
  return attr->unauthenticated_srtp;
}

/**
 * pgsm_crypto_attribute_get_wsh:
 * @attr: an attribute
 *
 * Returns: the SRTP replay window size hint (`WSH`), at least 64, or 0
 * when absent
 *
 * Since: 0.1
 */
guint
pgsm_crypto_attribute_get_wsh (const PgsmCryptoAttribute * attr)
{
  g_return_val_if_fail (attr != NULL, 0);
  return attr->wsh;
}

/**
 * pgsm_crypto_attribute_has_session_params:
 * @attr: an attribute
 *
 * Parameters starting with `-`, which the parser ignores, do not count.
 *
 * Returns: %TRUE if any session parameter is given (KDR, UNENCRYPTED_SRTP,
 * UNENCRYPTED_SRTCP, UNAUTHENTICATED_SRTP, FEC_ORDER, FEC_KEY or WSH)
 *
 * Since: 0.1
 */
gboolean
pgsm_crypto_attribute_has_session_params (const PgsmCryptoAttribute * attr)
{
  g_return_val_if_fail (attr != NULL, FALSE);
  return attr->kdr >= 0 || attr->unencrypted_srtp || attr->unencrypted_srtcp
      || attr->unauthenticated_srtp || attr->fec_order != FEC_ORDER_NONE
      || attr->fec_keys->len > 0 || attr->wsh > 0;
}
