/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Unit tests of the RFC 4568 crypto-attribute parser and formatter */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/pgsm/pgsm.h>

#define S80 "AES_CM_128_HMAC_SHA1_80"

/* A key||salt of @len bytes, different for each @seed */
static GBytes *
make_key (guint len, guint seed)
{
  guint8 *data = g_malloc (len);
  guint i;

  for (i = 0; i < len; i++)
    data[i] = (guint8) (seed * 31 + i * 7 + 1);
  return g_bytes_new_take (data, len);
}

static gchar *
make_key_b64 (guint len, guint seed)
{
  GBytes *key = make_key (len, seed);
  gsize n;
  const guint8 *data = g_bytes_get_data (key, &n);
  gchar *b64 = g_base64_encode (data, n);

  g_bytes_unref (key);
  return b64;
}

/* The 30-byte key of AES_CM_128 suites, as base64 (40 characters) */
static gchar *key30;
static gchar *key30b;

static void
setup (void)
{
  key30 = make_key_b64 (30, 1);
  key30b = make_key_b64 (30, 2);
}

static void
teardown (void)
{
  g_clear_pointer (&key30, g_free);
  g_clear_pointer (&key30b, g_free);
}

/* No 8-character piece of @secret appears in @message */
static void
assert_no_secret (const gchar * message, const gchar * secret)
{
  gsize i, len = strlen (secret);

  if (len < 8) {
    fail_if (strstr (message, secret) != NULL, "'%s' leaks the key", message);
    return;
  }
  for (i = 0; i + 8 <= len; i++) {
    gchar *piece = g_strndup (secret + i, 8);

    fail_if (strstr (message, piece) != NULL,
        "error message '%s' contains key text", message);
    g_free (piece);
  }
}

static PgsmCryptoAttribute *
parse_ok (const gchar * value)
{
  GError *err = NULL;
  PgsmCryptoAttribute *attr = pgsm_crypto_attribute_parse (value, &err);

  fail_unless (attr != NULL, "'%s' refused: %s", value,
      err ? err->message : "?");
  fail_unless (err == NULL);
  return attr;
}

/* Parses @value, expects @code, checks @secret is not in the message and
 * returns the message (to free) */
static gchar *
parse_fail (const gchar * value, gint code, const gchar * secret)
{
  GError *err = NULL;
  PgsmCryptoAttribute *attr = pgsm_crypto_attribute_parse (value, &err);
  gchar *msg;

  fail_unless (attr == NULL, "'%s' accepted", value);
  fail_unless (err != NULL);
  fail_unless (err->domain == PGSM_CRYPTO_ERROR);
  fail_unless_equals_int (err->code, code);
  fail_unless (err->message != NULL && err->message[0] != '\0');
  if (secret)
    assert_no_secret (err->message, secret);
  msg = g_strdup (err->message);
  g_error_free (err);
  return msg;
}

static void
parse_fail_msg (const gchar * value, gint code, const gchar * secret,
    const gchar * expected)
{
  gchar *msg = parse_fail (value, code, secret);

  fail_unless_equals_string (msg, expected);
  g_free (msg);
}

static void
check_key_bytes (PgsmCryptoAttribute * attr, guint index, guint len, guint seed)
{
  GBytes *want = make_key (len, seed);
  GBytes *got = pgsm_crypto_attribute_get_key (attr, index);

  fail_unless (got != NULL);
  fail_unless (g_bytes_equal (want, got));
  g_bytes_unref (want);
  g_bytes_unref (got);
}

GST_START_TEST (test_parse_basic)
{
  gchar *v = g_strdup_printf ("1 " S80 " inline:%s", key30);
  PgsmCryptoAttribute *attr = parse_ok (v);
  guint32 mki = 99;
  guint mki_len = 99;
  gchar *s;

  fail_unless_equals_int (pgsm_crypto_attribute_get_tag (attr), 1);
  fail_unless_equals_int (pgsm_crypto_attribute_get_suite (attr),
      PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80);
  fail_unless_equals_int (pgsm_crypto_attribute_get_n_keys (attr), 1);
  check_key_bytes (attr, 0, 30, 1);
  fail_unless_equals_uint64 (pgsm_crypto_attribute_get_lifetime (attr, 0), 0);
  fail_if (pgsm_crypto_attribute_get_mki (attr, 0, &mki, &mki_len));
  fail_unless_equals_int (mki, 0);
  fail_unless_equals_int (mki_len, 0);
  fail_unless_equals_int (pgsm_crypto_attribute_get_kdr (attr), -1);
  fail_unless_equals_int (pgsm_crypto_attribute_get_wsh (attr), 0);
  fail_if (pgsm_crypto_attribute_get_unencrypted_srtp (attr));
  fail_if (pgsm_crypto_attribute_get_unencrypted_srtcp (attr));
  fail_if (pgsm_crypto_attribute_get_unauthenticated_srtp (attr));
  fail_if (pgsm_crypto_attribute_has_session_params (attr));

  s = pgsm_crypto_attribute_to_string (attr);
  fail_unless_equals_string (s, v);

  g_free (s);
  g_free (v);
  pgsm_crypto_attribute_free (attr);
}

GST_END_TEST;

GST_START_TEST (test_parse_whitespace_and_case)
{
  gchar *v = g_strdup_printf ("  7\t" S80 "   INLINE:%s|2^20 \t", key30);
  gchar *want = g_strdup_printf ("7 " S80 " inline:%s|2^20", key30);
  PgsmCryptoAttribute *attr = parse_ok (v);
  gchar *s = pgsm_crypto_attribute_to_string (attr);

  fail_unless_equals_string (s, want);
  g_free (s);
  g_free (v);
  g_free (want);
  pgsm_crypto_attribute_free (attr);
}

GST_END_TEST;

static void
check_lifetime (const gchar * text, guint64 expected, const gchar * canon)
{
  gchar *v = g_strdup_printf ("1 " S80 " inline:%s|%s", key30, text);
  gchar *want = g_strdup_printf ("1 " S80 " inline:%s|%s", key30, canon);
  PgsmCryptoAttribute *attr = parse_ok (v);
  gchar *s = pgsm_crypto_attribute_to_string (attr);

  fail_unless_equals_uint64 (pgsm_crypto_attribute_get_lifetime (attr, 0),
      expected);
  fail_if (pgsm_crypto_attribute_get_mki (attr, 0, NULL, NULL));
  fail_unless_equals_string (s, want);
  g_free (s);
  g_free (v);
  g_free (want);
  pgsm_crypto_attribute_free (attr);
}

GST_START_TEST (test_parse_lifetime)
{
  check_lifetime ("2^20", 1 << 20, "2^20");
  check_lifetime ("2^0", 1, "2^0");
  check_lifetime ("2^48", G_GUINT64_CONSTANT (1) << 48, "2^48");
  check_lifetime ("1048576", 1 << 20, "2^20");
  check_lifetime ("1000", 1000, "1000");
  check_lifetime ("281474976710655", (G_GUINT64_CONSTANT (1) << 48) - 1,
      "281474976710655");
  check_lifetime ("281474976710656", G_GUINT64_CONSTANT (1) << 48, "2^48");
}

GST_END_TEST;

GST_START_TEST (test_parse_lifetime_bad)
{
  const gchar *bad[] = { "0", "2^49", "2^100", "281474976710657",
    "99999999999999999999999", "2^", "2^x", "x", "", "-1", "2^-1", "1e6"
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    gchar *v = g_strdup_printf ("1 " S80 " inline:%s|%s", key30, bad[i]);
    gchar *msg = parse_fail (v, PGSM_CRYPTO_ERROR_BAD_LIFETIME, key30);

    g_free (msg);
    g_free (v);
  }
  /* lifetime then MKI, with a bad lifetime */
  {
    gchar *v = g_strdup_printf ("1 " S80 " inline:%s|0|1:4", key30);

    parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_LIFETIME, key30,
        "lifetime 0: a key must be usable for at least one packet");
    g_free (v);
  }
  {
    gchar *v = g_strdup_printf ("1 " S80 " inline:%s|2^49", key30);

    parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_LIFETIME, key30,
        "lifetime 2^n with n over 48 is over the SRTP maximum 2^48");
    g_free (v);
  }
}

GST_END_TEST;

static void
check_mki (const gchar * text, guint32 mki, guint mki_len,
    guint64 lifetime, const gchar * canon)
{
  gchar *v = g_strdup_printf ("1 " S80 " inline:%s|%s", key30, text);
  gchar *want = g_strdup_printf ("1 " S80 " inline:%s|%s", key30, canon);
  PgsmCryptoAttribute *attr = parse_ok (v);
  gchar *s = pgsm_crypto_attribute_to_string (attr);
  guint32 got_mki;
  guint got_len;

  fail_unless (pgsm_crypto_attribute_get_mki (attr, 0, &got_mki, &got_len));
  fail_unless_equals_int (got_mki, mki);
  fail_unless_equals_int (got_len, mki_len);
  fail_unless_equals_uint64 (pgsm_crypto_attribute_get_lifetime (attr, 0),
      lifetime);
  fail_unless_equals_string (s, want);
  g_free (s);
  g_free (v);
  g_free (want);
  pgsm_crypto_attribute_free (attr);
}

GST_START_TEST (test_parse_mki)
{
  /* One optional field with a colon is an MKI, not a lifetime */
  check_mki ("1:4", 1, 4, 0, "1:4");
  check_mki ("2^20|1:4", 1, 4, 1 << 20, "2^20|1:4");
  check_mki ("1000|42:2", 42, 2, 1000, "1000|42:2");
  check_mki ("255:1", 255, 1, 0, "255:1");
  check_mki ("65535:2", 65535, 2, 0, "65535:2");
  check_mki ("0:1", 0, 1, 0, "0:1");
  check_mki ("4294967295:4", G_MAXUINT32, 4, 0, "4294967295:4");
  /* Longer than 4 bytes is fine while the value fits 32 bits */
  check_mki ("7:128", 7, 128, 0, "7:128");
  check_mki ("007:016", 7, 16, 0, "7:16");
}

GST_END_TEST;

GST_START_TEST (test_parse_mki_bad)
{
  struct
  {
    const gchar *mki;
    const gchar *msg;
  } bad[] = {
    {"1:0", "MKI length 0 is out of range 1..128"},
    {"1:129", "MKI length 129 is out of range 1..128"},
    {"1:999", "MKI length 999 is out of range 1..128"},
    {"256:1", "MKI value 256 does not fit in 1 byte"},
    {"65536:2", "MKI value 65536 does not fit in 2 bytes"},
    {"16777216:3", "MKI value 16777216 does not fit in 3 bytes"},
    {"4294967296:4", "the MKI value is over 4294967295, the largest supported"},
    {"1:0004", "the MKI length has 4 digits, at most 3 allowed (range 1..128)"},
    {":4", "the MKI value is not a decimal number (MKI is value:length)"},
    {"1:", "the MKI length is not a decimal number (MKI is value:length)"},
    {"1:4:4", "the MKI length is not a decimal number (MKI is value:length)"},
    {"x:4", "the MKI value is not a decimal number (MKI is value:length)"},
    {"2^20|1", "the MKI has no ':' (MKI is value:length)"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    gchar *v = g_strdup_printf ("1 " S80 " inline:%s|%s", key30, bad[i].mki);

    parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_MKI, key30, bad[i].msg);
    g_free (v);
  }
}

GST_END_TEST;

GST_START_TEST (test_parse_several_keys)
{
  gchar *v = g_strdup_printf ("2 " S80 " inline:%s|2^20|1:4;inline:%s|2^31|2:4",
      key30, key30b);
  PgsmCryptoAttribute *attr = parse_ok (v);
  gchar *s = pgsm_crypto_attribute_to_string (attr);
  guint32 mki;
  guint len;

  fail_unless_equals_int (pgsm_crypto_attribute_get_n_keys (attr), 2);
  check_key_bytes (attr, 0, 30, 1);
  check_key_bytes (attr, 1, 30, 2);
  fail_unless (pgsm_crypto_attribute_get_mki (attr, 1, &mki, &len));
  fail_unless_equals_int (mki, 2);
  fail_unless_equals_int (len, 4);
  fail_unless_equals_uint64 (pgsm_crypto_attribute_get_lifetime (attr, 1),
      G_GUINT64_CONSTANT (1) << 31);
  fail_unless_equals_string (s, v);
  g_free (s);
  g_free (v);
  pgsm_crypto_attribute_free (attr);
}

GST_END_TEST;

GST_START_TEST (test_parse_several_keys_bad)
{
  gchar *v;

  /* several keys need MKIs */
  v = g_strdup_printf ("1 " S80 " inline:%s;inline:%s", key30, key30b);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_MKI, key30,
      "key parameter 2 of 2: several keys need an MKI each, and key 1 has "
      "none");
  g_free (v);
  v = g_strdup_printf ("1 " S80 " inline:%s|1:4;inline:%s", key30, key30b);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_MKI, key30b,
      "key parameter 2 of 2: several keys need an MKI each, and key 2 has "
      "none");
  g_free (v);
  /* of one length */
  v = g_strdup_printf ("1 " S80 " inline:%s|1:4;inline:%s|2:2", key30, key30b);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_MKI, key30b,
      "key parameter 2 of 2: MKI length 2 differs from the MKI length 4 of "
      "key 1");
  g_free (v);
  /* with distinct values */
  v = g_strdup_printf ("1 " S80 " inline:%s|1:4;inline:%s|1:4", key30, key30b);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_MKI, key30b,
      "key parameter 2 of 2: MKI value 1 is already used by key 1");
  g_free (v);
  /* a bad second key is named */
  v = g_strdup_printf ("1 " S80 " inline:%s|1:4;inline:%s|2:4", key30, "AAAA");
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_KEY_LENGTH, key30,
      "key parameter 2 of 2: key length 3 bytes, AES_CM_128_HMAC_SHA1_80 "
      "needs 30 (key 16 + salt 14)");
  g_free (v);
  /* stray ';' */
  v = g_strdup_printf ("1 " S80 " inline:%s|1:4;", key30);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_SYNTAX, key30,
      "key parameter 2 of 2: empty key parameter (stray ';')");
  g_free (v);
}

GST_END_TEST;

GST_START_TEST (test_parse_session_params)
{
  gchar *fec = make_key_b64 (30, 3);
  gchar *v = g_strdup_printf ("3 " S80 " inline:%s KDR=24 UNENCRYPTED_SRTP "
      "UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP FEC_ORDER=FEC_SRTP "
      "FEC_KEY=inline:%s|2^20 WSH=128", key30, fec);
  PgsmCryptoAttribute *attr = parse_ok (v);
  gchar *s = pgsm_crypto_attribute_to_string (attr);

  fail_unless_equals_int (pgsm_crypto_attribute_get_kdr (attr), 24);
  fail_unless (pgsm_crypto_attribute_get_unencrypted_srtp (attr));
  fail_unless (pgsm_crypto_attribute_get_unencrypted_srtcp (attr));
  fail_unless (pgsm_crypto_attribute_get_unauthenticated_srtp (attr));
  fail_unless_equals_int (pgsm_crypto_attribute_get_wsh (attr), 128);
  fail_unless (pgsm_crypto_attribute_has_session_params (attr));
  /* FEC_KEY keys are not media keys */
  fail_unless_equals_int (pgsm_crypto_attribute_get_n_keys (attr), 1);
  fail_unless_equals_string (s, v);
  g_free (s);
  g_free (v);
  pgsm_crypto_attribute_free (attr);

  /* Reordered and in lower case, they come out in canonical order */
  v = g_strdup_printf ("3 " S80 " inline:%s wsh=64 fec_order=srtp_fec "
      "kdr=0", key30);
  attr = parse_ok (v);
  s = pgsm_crypto_attribute_to_string (attr);
  g_free (v);
  v = g_strdup_printf ("3 " S80 " inline:%s KDR=0 FEC_ORDER=SRTP_FEC WSH=64",
      key30);
  fail_unless_equals_string (s, v);
  fail_unless_equals_int (pgsm_crypto_attribute_get_kdr (attr), 0);
  fail_unless_equals_int (pgsm_crypto_attribute_get_wsh (attr), 64);
  g_free (s);
  g_free (v);
  pgsm_crypto_attribute_free (attr);

  /* One parameter at a time */
  {
    const gchar *one[] = { "KDR=1", "UNENCRYPTED_SRTP", "UNENCRYPTED_SRTCP",
      "UNAUTHENTICATED_SRTP", "FEC_ORDER=FEC_SRTP", "WSH=65536"
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (one); i++) {
      v = g_strdup_printf ("3 " S80 " inline:%s %s", key30, one[i]);
      attr = parse_ok (v);
      fail_unless (pgsm_crypto_attribute_has_session_params (attr));
      s = pgsm_crypto_attribute_to_string (attr);
      fail_unless_equals_string (s, v);
      g_free (s);
      g_free (v);
      pgsm_crypto_attribute_free (attr);
    }
  }
  g_free (fec);
}

GST_END_TEST;

GST_START_TEST (test_parse_session_params_ignored)
{
  gchar *v = g_strdup_printf ("3 " S80 " inline:%s -FOO=bar -X", key30);
  gchar *want = g_strdup_printf ("3 " S80 " inline:%s", key30);
  PgsmCryptoAttribute *attr = parse_ok (v);
  gchar *s = pgsm_crypto_attribute_to_string (attr);

  fail_if (pgsm_crypto_attribute_has_session_params (attr));
  fail_unless_equals_string (s, want);
  g_free (s);
  g_free (v);
  g_free (want);
  pgsm_crypto_attribute_free (attr);
}

GST_END_TEST;

GST_START_TEST (test_parse_session_params_bad)
{
  gchar *shortkey = make_key_b64 (24, 4);
  struct
  {
    const gchar *param;
    const gchar *msg;
  } bad[] = {
    {"KDR=25", "KDR 25 is out of range 0..24"},
    {"KDR=99", "KDR 99 is out of range 0..24"},
    {"KDR=100", "KDR must be 1 or 2 decimal digits in the range 0..24"},
    {"KDR=", "KDR must be 1 or 2 decimal digits in the range 0..24"},
    {"KDR=x", "KDR must be 1 or 2 decimal digits in the range 0..24"},
    {"KDR=1 KDR=1", "session parameter KDR is given more than once"},
    {"WSH=63", "WSH is out of range 64..4294967295"},
    {"WSH=4294967296", "WSH is out of range 64..4294967295"},
    {"WSH=", "WSH must be a decimal number of at least 64"},
    {"WSH=64 WSH=64", "session parameter WSH is given more than once"},
    {"FEC_ORDER=SRTP", "FEC_ORDER must be FEC_SRTP or SRTP_FEC"},
    {"UNENCRYPTED_SRTP UNENCRYPTED_SRTP",
        "session parameter UNENCRYPTED_SRTP is given more than once"},
    {"UNENCRYPTED_SRTP=1",
        "unknown session parameter UNENCRYPTED_SRTP (only those starting "
          "with '-' may be ignored)"},
    {"FOO_BAR=1",
        "unknown session parameter FOO_BAR (only those starting with '-' "
          "may be ignored)"},
    {"garbage",
        "unknown session parameter (a 7-character word, not quoted; only "
          "parameters starting with '-' may be ignored)"},
    {"FEC_KEY=inline:AAAA",
        "FEC_KEY: key length 3 bytes, AES_CM_128_HMAC_SHA1_80 needs 30 (key "
          "16 + salt 14)"},
    {"FEC_KEY=AAAA",
        "FEC_KEY: the key parameter does not start with 'inline:', the only "
          "key method SRTP defines"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    gchar *v = g_strdup_printf ("1 " S80 " inline:%s %s", key30, bad[i].param);

    parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM, key30, bad[i].msg);
    g_free (v);
  }

  /* A wrong FEC key is not repeated either */
  {
    gchar *v = g_strdup_printf ("1 " S80 " inline:%s FEC_KEY=inline:%s",
        key30, shortkey);
    gchar *msg = parse_fail (v, PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM, key30);

    assert_no_secret (msg, shortkey);
    g_free (msg);
    g_free (v);
  }
  /* A key pasted after a space is not quoted as a parameter name */
  {
    gchar *v = g_strdup_printf ("1 " S80 " inline:%s %s", key30, key30b);
    gchar *msg = parse_fail (v, PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM, key30);

    assert_no_secret (msg, key30b);
    g_free (msg);
    g_free (v);
  }
  g_free (shortkey);
}

GST_END_TEST;

GST_START_TEST (test_parse_every_suite)
{
  struct
  {
    const gchar *name;
    const gchar *canonical;
    PgsmSrtpSuite suite;
    guint key_len;
    guint b64_len;
  } suites[] = {
    {"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_80",
        PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, 30, 40},
    {"AES_CM_128_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_32",
        PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, 30, 40},
    {"AES_256_CM_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_80",
        PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80, 46, 64},
    {"AES_256_CM_HMAC_SHA1_32", "AES_256_CM_HMAC_SHA1_32",
        PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32, 46, 64},
    {"AES_CM_256_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_80",
        PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80, 46, 64},
    {"AES_CM_256_HMAC_SHA1_32", "AES_256_CM_HMAC_SHA1_32",
        PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32, 46, 64},
    {"AEAD_AES_128_GCM", "AEAD_AES_128_GCM",
        PGSM_SRTP_SUITE_AEAD_AES_128_GCM, 28, 40},
    {"AEAD_AES_256_GCM", "AEAD_AES_256_GCM",
        PGSM_SRTP_SUITE_AEAD_AES_256_GCM, 44, 60},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (suites); i++) {
    const PgsmSrtpSuiteInfo *info = pgsm_srtp_suite_get_info (suites[i].suite);
    gchar *key = make_key_b64 (suites[i].key_len, i);
    gchar *v = g_strdup_printf ("5 %s inline:%s|2^31", suites[i].name, key);
    gchar *want = g_strdup_printf ("5 %s inline:%s|2^31",
        suites[i].canonical, key);
    PgsmCryptoAttribute *attr = parse_ok (v);
    gchar *s = pgsm_crypto_attribute_to_string (attr);
    gchar *expected;
    guint wrong_len;

    fail_unless_equals_int (strlen (key), suites[i].b64_len);
    fail_unless_equals_int (pgsm_crypto_attribute_get_suite (attr),
        suites[i].suite);
    check_key_bytes (attr, 0, suites[i].key_len, i);
    fail_unless_equals_string (s, want);
    g_free (s);
    pgsm_crypto_attribute_free (attr);

    /* The key of another suite size is refused with the sizes named */
    wrong_len = suites[i].key_len == 30 ? 46 : 30;
    g_free (key);
    key = make_key_b64 (wrong_len, i);
    g_free (v);
    v = g_strdup_printf ("5 %s inline:%s", suites[i].name, key);
    expected = g_strdup_printf ("key length %u bytes, %s needs %u (key %u + "
        "salt %u)", wrong_len, suites[i].canonical,
        info->key_length + info->salt_length, info->key_length,
        info->salt_length);
    parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_KEY_LENGTH, key, expected);
    g_free (expected);
    g_free (want);
    g_free (v);
    g_free (key);
  }
}

GST_END_TEST;

GST_START_TEST (test_parse_bad_base64)
{
  gchar *k = g_strdup (key30);
  gchar *v;

  /* an invalid character */
  k[10] = '*';
  v = g_strdup_printf ("1 " S80 " inline:%s", k);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_BASE64, k,
      "byte 0x2a at position 11 of the key is not a base64 character");
  g_free (v);
  /* URL-safe alphabet is not base64 */
  k[10] = '-';
  v = g_strdup_printf ("1 " S80 " inline:%s", k);
  g_free (parse_fail (v, PGSM_CRYPTO_ERROR_BAD_BASE64, k));
  g_free (v);
  /* padding in the middle */
  k[10] = '=';
  v = g_strdup_printf ("1 " S80 " inline:%s", k);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_BASE64, k,
      "base64 padding '=' at position 11 of 40, before the end of the key");
  g_free (v);
  g_free (k);

  /* a length that is not a multiple of 4 (padding dropped) */
  k = make_key_b64 (28, 1);
  fail_unless (g_str_has_suffix (k, "=="));
  k[38] = '\0';
  v = g_strdup_printf ("1 AEAD_AES_128_GCM inline:%s", k);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_BASE64, k,
      "the base64 key is 38 characters long, not a multiple of 4 (missing "
      "padding or stray characters)");
  g_free (v);
  /* non-zero bits after the last byte */
  k[38] = '=';
  /* 'B' and 'C' have a low bit set: 4 bits after the last byte */
  k[37] = (k[37] == 'B') ? 'C' : 'B';
  v = g_strdup_printf ("1 AEAD_AES_128_GCM inline:%s", k);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_BASE64, k,
      "the base64 key is not canonical: the bits after its last byte are "
      "not zero");
  g_free (v);
  g_free (k);

  /* too much padding */
  v = g_strdup_printf ("1 " S80 " inline:%s", "A===");
  g_free (parse_fail (v, PGSM_CRYPTO_ERROR_BAD_BASE64, NULL));
  g_free (v);
  /* an empty key */
  v = g_strdup_printf ("1 " S80 " inline:|2^20");
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_BASE64, NULL, "the key is empty");
  g_free (v);
  /* a non-ASCII byte */
  k = g_strdup (key30);
  k[0] = (gchar) 0xc3;
  v = g_strdup_printf ("1 " S80 " inline:%s", k);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_BASE64, k,
      "byte 0xc3 at position 1 of the key is not a base64 character");
  g_free (v);
  g_free (k);
}

GST_END_TEST;

GST_START_TEST (test_parse_malformed)
{
  gchar *v;
  gchar *msg;

  parse_fail_msg ("", PGSM_CRYPTO_ERROR_SYNTAX, NULL,
      "the crypto attribute is empty");
  parse_fail_msg (" \t ", PGSM_CRYPTO_ERROR_SYNTAX, NULL,
      "the crypto attribute is empty");
  parse_fail_msg ("1", PGSM_CRYPTO_ERROR_SYNTAX, NULL,
      "the crypto suite and key parameters are missing after the tag");
  parse_fail_msg ("1 " S80, PGSM_CRYPTO_ERROR_SYNTAX, NULL,
      "the key parameters are missing after the crypto suite");

  /* tag */
  v = g_strdup_printf ("1234567890 " S80 " inline:%s", key30);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_TAG, key30,
      "the tag has 10 digits, at most 9 allowed");
  g_free (v);
  v = g_strdup_printf ("x " S80 " inline:%s", key30);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_TAG, key30,
      "the tag is not a decimal number");
  g_free (v);
  v = g_strdup_printf ("-1 " S80 " inline:%s", key30);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_BAD_TAG, key30,
      "the tag is not a decimal number");
  g_free (v);
  v = g_strdup_printf ("123456789 " S80 " inline:%s", key30);
  {
    PgsmCryptoAttribute *attr = parse_ok (v);

    fail_unless_equals_int (pgsm_crypto_attribute_get_tag (attr), 123456789);
    pgsm_crypto_attribute_free (attr);
  }
  g_free (v);

  /* the whole line */
  v = g_strdup_printf ("a=crypto:1 " S80 " inline:%s", key30);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_SYNTAX, key30,
      "give the attribute value without the 'a=crypto:' prefix");
  g_free (v);

  /* suite */
  v = g_strdup_printf ("1 AES_CM_129_HMAC_SHA1_80 inline:%s", key30);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_UNKNOWN_SUITE, key30,
      "unknown crypto suite AES_CM_129_HMAC_SHA1_80");
  g_free (v);
  v = g_strdup_printf ("1 aes_cm_128_hmac_sha1_80 inline:%s", key30);
  g_free (parse_fail (v, PGSM_CRYPTO_ERROR_UNKNOWN_SUITE, key30));
  g_free (v);
  v = g_strdup_printf ("1 F8_128_HMAC_SHA1_80 inline:%s", key30);
  g_free (parse_fail (v, PGSM_CRYPTO_ERROR_UNKNOWN_SUITE, key30));
  g_free (v);
  /* a key where the suite belongs is not quoted */
  v = g_strdup_printf ("1 %s inline:%s", key30b, key30);
  msg = parse_fail (v, PGSM_CRYPTO_ERROR_UNKNOWN_SUITE, key30);
  assert_no_secret (msg, key30b);
  g_free (msg);
  g_free (v);
  v = g_strdup_printf ("1 inline:%s", key30);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_SYNTAX, key30,
      "the crypto suite is missing: a key parameter follows the tag");
  g_free (v);

  /* key method */
  v = g_strdup_printf ("1 " S80 " %s", key30);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_MISSING_INLINE, key30,
      "the key parameter does not start with 'inline:', the only key method "
      "SRTP defines");
  g_free (v);
  v = g_strdup_printf ("1 " S80 " uri:%s", key30);
  g_free (parse_fail (v, PGSM_CRYPTO_ERROR_MISSING_INLINE, key30));
  g_free (v);
  v = g_strdup_printf ("1 " S80 " inline%s", key30);
  g_free (parse_fail (v, PGSM_CRYPTO_ERROR_MISSING_INLINE, key30));
  g_free (v);

  /* trailing garbage */
  v = g_strdup_printf ("1 " S80 " inline:%s|2^20|1:4|x", key30);
  parse_fail_msg (v, PGSM_CRYPTO_ERROR_SYNTAX, key30,
      "the key parameter has 4 '|'-separated fields, at most 3 allowed "
      "(key, lifetime, MKI)");
  g_free (v);
  v = g_strdup_printf ("1 " S80 " inline:%sAAAA", key30);
  g_free (parse_fail (v, PGSM_CRYPTO_ERROR_BAD_KEY_LENGTH, key30));
  g_free (v);
  v = g_strdup_printf ("1 " S80 " inline:%s!", key30);
  g_free (parse_fail (v, PGSM_CRYPTO_ERROR_BAD_BASE64, key30));
  g_free (v);
  v = g_strdup_printf ("1 " S80 " inline:%s junk", key30);
  g_free (parse_fail (v, PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM, key30));
  g_free (v);
  v = g_strdup_printf ("1 " S80 " inline:%s|2^20x", key30);
  g_free (parse_fail (v, PGSM_CRYPTO_ERROR_BAD_LIFETIME, key30));
  g_free (v);
  v = g_strdup_printf ("1 " S80 " inline:%s\r\n", key30);
  g_free (parse_fail (v, PGSM_CRYPTO_ERROR_BAD_BASE64, key30));
  g_free (v);
}

GST_END_TEST;

static void
assert_same (const PgsmCryptoAttribute * a, const PgsmCryptoAttribute * b)
{
  guint i;
  gchar *sa = pgsm_crypto_attribute_to_string (a);
  gchar *sb = pgsm_crypto_attribute_to_string (b);

  fail_unless_equals_string (sa, sb);
  g_free (sa);
  g_free (sb);
  fail_unless_equals_int (pgsm_crypto_attribute_get_tag (a),
      pgsm_crypto_attribute_get_tag (b));
  fail_unless_equals_int (pgsm_crypto_attribute_get_suite (a),
      pgsm_crypto_attribute_get_suite (b));
  fail_unless_equals_int (pgsm_crypto_attribute_get_n_keys (a),
      pgsm_crypto_attribute_get_n_keys (b));
  for (i = 0; i < pgsm_crypto_attribute_get_n_keys (a); i++) {
    GBytes *ka = pgsm_crypto_attribute_get_key (a, i);
    GBytes *kb = pgsm_crypto_attribute_get_key (b, i);
    guint32 ma, mb;
    guint la, lb;

    fail_unless (g_bytes_equal (ka, kb));
    fail_unless_equals_uint64 (pgsm_crypto_attribute_get_lifetime (a, i),
        pgsm_crypto_attribute_get_lifetime (b, i));
    fail_unless_equals_int (pgsm_crypto_attribute_get_mki (a, i, &ma, &la),
        pgsm_crypto_attribute_get_mki (b, i, &mb, &lb));
    fail_unless_equals_int (ma, mb);
    fail_unless_equals_int (la, lb);
    g_bytes_unref (ka);
    g_bytes_unref (kb);
  }
  fail_unless_equals_int (pgsm_crypto_attribute_get_kdr (a),
      pgsm_crypto_attribute_get_kdr (b));
  fail_unless_equals_int (pgsm_crypto_attribute_get_wsh (a),
      pgsm_crypto_attribute_get_wsh (b));
  fail_unless_equals_int (pgsm_crypto_attribute_get_unencrypted_srtp (a),
      pgsm_crypto_attribute_get_unencrypted_srtp (b));
  fail_unless_equals_int (pgsm_crypto_attribute_get_unencrypted_srtcp (a),
      pgsm_crypto_attribute_get_unencrypted_srtcp (b));
  fail_unless_equals_int (pgsm_crypto_attribute_get_unauthenticated_srtp (a),
      pgsm_crypto_attribute_get_unauthenticated_srtp (b));
  fail_unless_equals_int (pgsm_crypto_attribute_has_session_params (a),
      pgsm_crypto_attribute_has_session_params (b));
}

GST_START_TEST (test_round_trip)
{
  gchar *k46 = make_key_b64 (46, 9);
  gchar *k28 = make_key_b64 (28, 9);
  gchar *inputs[] = {
    g_strdup_printf ("1 " S80 " inline:%s", key30),
    g_strdup_printf ("01\t" S80 " inline:%s|1048576|001:4  KDR=07", key30),
    g_strdup_printf ("9 AES_CM_256_HMAC_SHA1_32 inline:%s|2^7 -X wsh=99",
        k46),
    g_strdup_printf ("42 AEAD_AES_128_GCM inline:%s|5:1;inline:%s|6:1;"
        "Inline:%s|2^10|7:1 UNAUTHENTICATED_SRTP", k28, k28, k28),
    g_strdup_printf ("3 " S80 " inline:%s|3 FEC_KEY=inline:%s|1:1;inline:%s"
        "|2:1 FEC_ORDER=fec_srtp unencrypted_srtcp", key30, key30b, key30),
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (inputs); i++) {
    PgsmCryptoAttribute *a = parse_ok (inputs[i]);
    gchar *s = pgsm_crypto_attribute_to_string (a);
    PgsmCryptoAttribute *b = parse_ok (s);
    gchar *s2 = pgsm_crypto_attribute_to_string (b);
    PgsmCryptoAttribute *c = pgsm_crypto_attribute_copy (b);

    fail_unless_equals_string (s, s2);
    assert_same (a, b);
    assert_same (b, c);
    g_free (s);
    g_free (s2);
    pgsm_crypto_attribute_free (a);
    pgsm_crypto_attribute_free (b);
    pgsm_crypto_attribute_free (c);
    g_free (inputs[i]);
  }
  g_free (k46);
  g_free (k28);
}

GST_END_TEST;

GST_START_TEST (test_build)
{
  PgsmCryptoAttribute *attr, *copy;
  GBytes *key = make_key (30, 1);
  GBytes *key2 = make_key (30, 2);
  GBytes *shortkey = make_key (16, 1);
  GBytes *got;
  GError *err = NULL;
  gchar *s, *want;

  attr =
      pgsm_crypto_attribute_new (12, PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80);
  fail_unless_equals_int (pgsm_crypto_attribute_get_n_keys (attr), 0);

  fail_if (pgsm_crypto_attribute_add_key (attr, shortkey, 0, 0, 0, &err));
  fail_unless (g_error_matches (err, PGSM_CRYPTO_ERROR,
          PGSM_CRYPTO_ERROR_BAD_KEY_LENGTH));
  fail_unless_equals_string (err->message,
      "key length 16 bytes, AES_CM_128_HMAC_SHA1_80 needs 30 (key 16 + salt "
      "14)");
  g_clear_error (&err);
  fail_if (pgsm_crypto_attribute_add_key (attr, key,
          (G_GUINT64_CONSTANT (1) << 48) + 1, 0, 0, &err));
  fail_unless (g_error_matches (err, PGSM_CRYPTO_ERROR,
          PGSM_CRYPTO_ERROR_BAD_LIFETIME));
  g_clear_error (&err);
  fail_if (pgsm_crypto_attribute_add_key (attr, key, 0, 1, 129, &err));
  fail_unless (g_error_matches (err, PGSM_CRYPTO_ERROR,
          PGSM_CRYPTO_ERROR_BAD_MKI));
  g_clear_error (&err);
  fail_if (pgsm_crypto_attribute_add_key (attr, key, 0, 300, 1, &err));
  fail_unless (g_error_matches (err, PGSM_CRYPTO_ERROR,
          PGSM_CRYPTO_ERROR_BAD_MKI));
  g_clear_error (&err);
  fail_unless_equals_int (pgsm_crypto_attribute_get_n_keys (attr), 0);

  fail_unless (pgsm_crypto_attribute_add_key (attr, key, 1 << 20, 1, 1, &err));
  fail_unless (err == NULL);
  /* a second key with the same MKI, then without one */
  fail_if (pgsm_crypto_attribute_add_key (attr, key2, 0, 1, 1, &err));
  fail_unless (g_error_matches (err, PGSM_CRYPTO_ERROR,
          PGSM_CRYPTO_ERROR_BAD_MKI));
  g_clear_error (&err);
  fail_if (pgsm_crypto_attribute_add_key (attr, key2, 0, 0, 0, &err));
  fail_unless (g_error_matches (err, PGSM_CRYPTO_ERROR,
          PGSM_CRYPTO_ERROR_BAD_MKI));
  g_clear_error (&err);
  fail_unless (pgsm_crypto_attribute_add_key (attr, key2, 0, 2, 1, NULL));
  fail_unless_equals_int (pgsm_crypto_attribute_get_n_keys (attr), 2);

  s = pgsm_crypto_attribute_to_string (attr);
  want = g_strdup_printf ("12 " S80 " inline:%s|2^20|1:1;inline:%s|2:1",
      key30, key30b);
  fail_unless_equals_string (s, want);
  g_free (s);
  g_free (want);

  /* keys outlive the attribute they came from; boxed copy works */
  copy = g_boxed_copy (PGSM_TYPE_CRYPTO_ATTRIBUTE, attr);
  got = pgsm_crypto_attribute_get_key (attr, 1);
  pgsm_crypto_attribute_free (attr);
  fail_unless (g_bytes_equal (got, key2));
  g_bytes_unref (got);
  check_key_bytes (copy, 0, 30, 1);
  g_boxed_free (PGSM_TYPE_CRYPTO_ATTRIBUTE, copy);

  g_bytes_unref (key);
  g_bytes_unref (key2);
  g_bytes_unref (shortkey);
}

GST_END_TEST;

GST_START_TEST (test_error_quark)
{
  fail_unless_equals_string (g_quark_to_string (PGSM_CRYPTO_ERROR),
      "pgsm-crypto-error-quark");
  fail_unless (G_TYPE_IS_BOXED (PGSM_TYPE_CRYPTO_ATTRIBUTE));
  fail_unless_equals_string (g_type_name (PGSM_TYPE_CRYPTO_ATTRIBUTE),
      "PgsmCryptoAttribute");
}

GST_END_TEST;

static Suite *
pgsmcrypto_suite (void)
{
  Suite *s = suite_create ("pgsmcrypto");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_parse_basic);
  tcase_add_test (tc, test_parse_whitespace_and_case);
  tcase_add_test (tc, test_parse_lifetime);
  tcase_add_test (tc, test_parse_lifetime_bad);
  tcase_add_test (tc, test_parse_mki);
  tcase_add_test (tc, test_parse_mki_bad);
  tcase_add_test (tc, test_parse_several_keys);
  tcase_add_test (tc, test_parse_several_keys_bad);
  tcase_add_test (tc, test_parse_session_params);
  tcase_add_test (tc, test_parse_session_params_ignored);
  tcase_add_test (tc, test_parse_session_params_bad);
  tcase_add_test (tc, test_parse_every_suite);
  tcase_add_test (tc, test_parse_bad_base64);
  tcase_add_test (tc, test_parse_malformed);
  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_build);
  tcase_add_test (tc, test_error_quark);

  return s;
}

GST_CHECK_MAIN (pgsmcrypto);
