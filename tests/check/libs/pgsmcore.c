/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Unit tests of the core library: the SRTP suite table, certificate
 * verdict flags and the one certificate ERROR message */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/pgsm/pgsm.h>

/* Written out here on purpose: the product's sentence, byte for byte */
#define WARNING_TEXT "You are attempting to open a secure connection, but " \
  "the server's certificate is not trusted. Please contact your system " \
  "administrator"

GST_START_TEST (test_suite_table)
{
  struct
  {
    PgsmSrtpSuite suite;
    const gchar *name;
    const gchar *alias;
    PgsmSrtpCipher cipher;
    PgsmSrtpAuth rtp_auth, rtcp_auth;
    guint key, salt, rtp_tag, rtcp_tag;
  } want[] = {
    {PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80", NULL,
          PGSM_SRTP_CIPHER_AES_128_ICM, PGSM_SRTP_AUTH_HMAC_SHA1_80,
        PGSM_SRTP_AUTH_HMAC_SHA1_80, 16, 14, 10, 10},
    {PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32", NULL,
          PGSM_SRTP_CIPHER_AES_128_ICM, PGSM_SRTP_AUTH_HMAC_SHA1_32,
        PGSM_SRTP_AUTH_HMAC_SHA1_80, 16, 14, 4, 10},
    {PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80, "AES_256_CM_HMAC_SHA1_80",
          "AES_CM_256_HMAC_SHA1_80", PGSM_SRTP_CIPHER_AES_256_ICM,
          PGSM_SRTP_AUTH_HMAC_SHA1_80, PGSM_SRTP_AUTH_HMAC_SHA1_80, 32, 14,
        10, 10},
    {PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32, "AES_256_CM_HMAC_SHA1_32",
          "AES_CM_256_HMAC_SHA1_32", PGSM_SRTP_CIPHER_AES_256_ICM,
          PGSM_SRTP_AUTH_HMAC_SHA1_32, PGSM_SRTP_AUTH_HMAC_SHA1_80, 32, 14,
        4, 10},
    {PGSM_SRTP_SUITE_AEAD_AES_128_GCM, "AEAD_AES_128_GCM", NULL,
          PGSM_SRTP_CIPHER_AES_128_GCM, PGSM_SRTP_AUTH_NULL,
        PGSM_SRTP_AUTH_NULL, 16, 12, 16, 16},
    {PGSM_SRTP_SUITE_AEAD_AES_256_GCM, "AEAD_AES_256_GCM", NULL,
          PGSM_SRTP_CIPHER_AES_256_GCM, PGSM_SRTP_AUTH_NULL,
        PGSM_SRTP_AUTH_NULL, 32, 12, 16, 16},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (want); i++) {
    const PgsmSrtpSuiteInfo *info = pgsm_srtp_suite_get_info (want[i].suite);

    fail_unless (info != NULL);
    fail_unless_equals_int (info->suite, want[i].suite);
    fail_unless_equals_string (info->name, want[i].name);
    fail_unless_equals_string (info->alias, want[i].alias);
    fail_unless_equals_int (info->cipher, want[i].cipher);
    fail_unless_equals_int (info->rtp_auth, want[i].rtp_auth);
    fail_unless_equals_int (info->rtcp_auth, want[i].rtcp_auth);
    fail_unless_equals_int (info->key_length, want[i].key);
    fail_unless_equals_int (info->salt_length, want[i].salt);
    fail_unless_equals_int (info->rtp_tag_length, want[i].rtp_tag);
    fail_unless_equals_int (info->rtcp_tag_length, want[i].rtcp_tag);

    /* the same row by name, by alias and by cipher + auth */
    fail_unless (pgsm_srtp_suite_lookup (want[i].name) == info);
    if (want[i].alias)
      fail_unless (pgsm_srtp_suite_lookup (want[i].alias) == info);
    fail_unless (pgsm_srtp_suite_find (want[i].cipher,
            want[i].rtp_auth) == info);
    /* sizes agree with the per-cipher helpers */
    fail_unless_equals_int (pgsm_srtp_cipher_key_length (want[i].cipher),
        want[i].key);
    fail_unless_equals_int (pgsm_srtp_cipher_salt_length (want[i].cipher),
        want[i].salt);
  }

  fail_unless (pgsm_srtp_suite_get_info (PGSM_SRTP_SUITE_NONE) == NULL);
  fail_unless (pgsm_srtp_suite_get_info ((PgsmSrtpSuite) 1000) == NULL);
  fail_unless (pgsm_srtp_suite_lookup (NULL) == NULL);
  fail_unless (pgsm_srtp_suite_lookup ("") == NULL);
  fail_unless (pgsm_srtp_suite_lookup ("aes_cm_128_hmac_sha1_80") == NULL);
  fail_unless (pgsm_srtp_suite_lookup ("F8_128_HMAC_SHA1_80") == NULL);
  fail_unless (pgsm_srtp_suite_find (PGSM_SRTP_CIPHER_NULL,
          PGSM_SRTP_AUTH_HMAC_SHA1_80) == NULL);
  fail_unless (pgsm_srtp_suite_find (PGSM_SRTP_CIPHER_AES_128_GCM,
          PGSM_SRTP_AUTH_HMAC_SHA1_80) == NULL);
  fail_unless_equals_int (pgsm_srtp_cipher_key_length (PGSM_SRTP_CIPHER_NULL),
      0);
  fail_unless_equals_int (pgsm_srtp_cipher_salt_length
      (PGSM_SRTP_CIPHER_NULL), 0);
}

GST_END_TEST;

GST_START_TEST (test_enum_types)
{
  GFlagsClass *fk = g_type_class_ref (PGSM_TYPE_CERTIFICATE_FLAGS);
  GEnumClass *ek = g_type_class_ref (PGSM_TYPE_SRTP_CIPHER);
  GFlagsValue *fv;
  GEnumValue *ev;

  fv = g_flags_get_value_by_nick (fk, "expired");
  fail_unless (fv != NULL);
  fail_unless_equals_int (fv->value, PGSM_CERTIFICATE_EXPIRED);
  fail_unless_equals_int (fk->n_values, 13);
  /* cipher nicks and values are srtpenc's */
  ev = g_enum_get_value_by_nick (ek, "aes-128-icm");
  fail_unless (ev != NULL);
  fail_unless_equals_int (ev->value, 1);
  ev = g_enum_get_value_by_nick (ek, "aes-256-gcm");
  fail_unless (ev != NULL);
  fail_unless_equals_int (ev->value, 4);
  g_type_class_unref (fk);
  g_type_class_unref (ek);

  fail_unless_equals_string (g_quark_to_string (PGSM_TLS_ERROR),
      "pgsm-tls-error-quark");
  fail_unless_equals_string (PGSM_CERTIFICATE_NOT_TRUSTED_MESSAGE,
      WARNING_TEXT);
}

GST_END_TEST;

GST_START_TEST (test_flags_to_string)
{
  gchar *s;

  s = pgsm_certificate_flags_to_string (0);
  fail_unless_equals_string (s, "trusted");
  g_free (s);
  s = pgsm_certificate_flags_to_string (PGSM_CERTIFICATE_EXPIRED);
  fail_unless_equals_string (s, "expired");
  g_free (s);
  /* in bit order, whatever the order they were set in */
  s = pgsm_certificate_flags_to_string (PGSM_CERTIFICATE_EXPIRED |
      PGSM_CERTIFICATE_UNKNOWN_CA);
  fail_unless_equals_string (s, "unknown-ca,expired");
  g_free (s);
  s = pgsm_certificate_flags_to_string (PGSM_CERTIFICATE_SELF_SIGNED |
      PGSM_CERTIFICATE_BAD_IDENTITY | PGSM_CERTIFICATE_INSECURE_PROTOCOL);
  fail_unless_equals_string (s, "bad-identity,self-signed,insecure-protocol");
  g_free (s);
  s = pgsm_certificate_flags_to_string (0x1fff);
  fail_unless_equals_string (s, "unknown-ca,bad-identity,not-activated,"
      "expired,revoked,insecure-algorithm,generic-error,self-signed,not-a-ca,"
      "bad-purpose,pin-mismatch,weak-key,insecure-protocol");
  g_free (s);
  /* bits without a name still show */
  s = pgsm_certificate_flags_to_string (PGSM_CERTIFICATE_REVOKED | (1 << 20));
  fail_unless_equals_string (s, "revoked,unknown-0x100000");
  g_free (s);
  s = pgsm_certificate_flags_to_string (1 << 30);
  fail_unless_equals_string (s, "unknown-0x40000000");
  g_free (s);
}

GST_END_TEST;

GST_START_TEST (test_flags_to_tls_flags)
{
  struct
  {
    PgsmCertificateFlags in;
    GTlsCertificateFlags out;
  } map[] = {
    {0, 0},
    {PGSM_CERTIFICATE_UNKNOWN_CA, G_TLS_CERTIFICATE_UNKNOWN_CA},
    {PGSM_CERTIFICATE_BAD_IDENTITY, G_TLS_CERTIFICATE_BAD_IDENTITY},
    {PGSM_CERTIFICATE_NOT_ACTIVATED, G_TLS_CERTIFICATE_NOT_ACTIVATED},
    {PGSM_CERTIFICATE_EXPIRED, G_TLS_CERTIFICATE_EXPIRED},
    {PGSM_CERTIFICATE_REVOKED, G_TLS_CERTIFICATE_REVOKED},
    {PGSM_CERTIFICATE_INSECURE_ALGORITHM, G_TLS_CERTIFICATE_INSECURE},
    {PGSM_CERTIFICATE_GENERIC_ERROR, G_TLS_CERTIFICATE_GENERIC_ERROR},
    {PGSM_CERTIFICATE_SELF_SIGNED, G_TLS_CERTIFICATE_UNKNOWN_CA},
    {PGSM_CERTIFICATE_NOT_A_CA, G_TLS_CERTIFICATE_GENERIC_ERROR},
    {PGSM_CERTIFICATE_BAD_PURPOSE, G_TLS_CERTIFICATE_GENERIC_ERROR},
    {PGSM_CERTIFICATE_PIN_MISMATCH, G_TLS_CERTIFICATE_GENERIC_ERROR},
    {PGSM_CERTIFICATE_WEAK_KEY, G_TLS_CERTIFICATE_INSECURE},
    {PGSM_CERTIFICATE_INSECURE_PROTOCOL, G_TLS_CERTIFICATE_GENERIC_ERROR},
    {PGSM_CERTIFICATE_EXPIRED | PGSM_CERTIFICATE_SELF_SIGNED |
          PGSM_CERTIFICATE_PIN_MISMATCH,
        G_TLS_CERTIFICATE_EXPIRED | G_TLS_CERTIFICATE_UNKNOWN_CA |
          G_TLS_CERTIFICATE_GENERIC_ERROR},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (map); i++)
    fail_unless_equals_int (pgsm_certificate_flags_to_tls_flags (map[i].in),
        map[i].out);
}

GST_END_TEST;

static void
check_details (const GstStructure * s, PgsmCertificateFlags flags,
    const gchar * reasons, const gchar * host, guint port, const gchar * pem,
    const gchar * sha256)
{
  guint f = 0, port_got = 0;
  GTlsCertificateFlags tls = 0;

  fail_unless (s != NULL);
  fail_unless (gst_structure_has_name (s, PGSM_CERTIFICATE_DETAILS_NAME));
  fail_unless_equals_string (PGSM_CERTIFICATE_DETAILS_NAME,
      "pgsm-certificate-verdict");
  fail_unless (G_VALUE_HOLDS (gst_structure_get_value (s, "flags"),
          PGSM_TYPE_CERTIFICATE_FLAGS));
  f = g_value_get_flags (gst_structure_get_value (s, "flags"));
  fail_unless_equals_int (f, flags);
  fail_unless (G_VALUE_HOLDS (gst_structure_get_value (s, "tls-flags"),
          G_TYPE_TLS_CERTIFICATE_FLAGS));
  tls = g_value_get_flags (gst_structure_get_value (s, "tls-flags"));
  fail_unless_equals_int (tls, pgsm_certificate_flags_to_tls_flags (flags));
  fail_unless_equals_string (gst_structure_get_string (s, "reasons"), reasons);
  fail_unless_equals_string (gst_structure_get_string (s, "host"), host);
  fail_unless (gst_structure_get_uint (s, "port", &port_got));
  fail_unless_equals_int (port_got, port);
  if (pem) {
    fail_unless_equals_string (gst_structure_get_string (s,
            "certificate-pem"), pem);
  } else {
    fail_if (gst_structure_has_field (s, "certificate-pem"));
  }
  if (sha256) {
    fail_unless_equals_string (gst_structure_get_string (s,
            "certificate-sha256"), sha256);
  } else {
    fail_if (gst_structure_has_field (s, "certificate-sha256"));
  }
}

#define TEST_PEM "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
#define TEST_SHA256 \
  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

GST_START_TEST (test_details_new)
{
  GstStructure *s;

  s = pgsm_certificate_details_new (PGSM_CERTIFICATE_EXPIRED |
      PGSM_CERTIFICATE_BAD_IDENTITY, "sip.example.org", 5061, TEST_PEM,
      TEST_SHA256);
  check_details (s, PGSM_CERTIFICATE_EXPIRED | PGSM_CERTIFICATE_BAD_IDENTITY,
      "bad-identity,expired", "sip.example.org", 5061, TEST_PEM, TEST_SHA256);
  gst_structure_free (s);

  /* no certificate sent, no host */
  s = pgsm_certificate_details_new (PGSM_CERTIFICATE_GENERIC_ERROR, NULL, 0,
      NULL, NULL);
  check_details (s, PGSM_CERTIFICATE_GENERIC_ERROR, "generic-error", "", 0,
      NULL, NULL);
  gst_structure_free (s);
}

GST_END_TEST;

static GstMessage *
post_and_pop (GstElement * element, GstBus * bus, PgsmCertificateFlags flags,
    const gchar * host, guint port, const gchar * pem, const gchar * sha256,
    const gchar * debug)
{
  pgsm_element_post_certificate_error (element, flags, host, port, pem,
      sha256, debug);
  return gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
}

GST_START_TEST (test_post_certificate_error)
{
  GstElement *sink = gst_element_factory_make ("fakesink", "sink0");
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL;
  const GstStructure *details = NULL;

  fail_unless (sink != NULL);
  gst_element_set_bus (sink, bus);

  msg = post_and_pop (sink, bus, PGSM_CERTIFICATE_EXPIRED |
      PGSM_CERTIFICATE_UNKNOWN_CA, "127.0.0.1", 5061, TEST_PEM, TEST_SHA256,
      "notAfter 2020-01-01 00:00:00 UTC, now 2026-11-28");
  fail_unless (msg != NULL);
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (sink));

  gst_message_parse_error (msg, &err, &debug);
  fail_unless (err != NULL);
  fail_unless (err->domain == PGSM_TLS_ERROR);
  fail_unless_equals_int (err->code, PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED);
  /* byte for byte */
  fail_unless_equals_int (strlen (err->message), strlen (WARNING_TEXT));
  fail_unless (memcmp (err->message, WARNING_TEXT, strlen (WARNING_TEXT)) == 0);
  /* GStreamer puts the source location before the debug text */
  fail_unless (g_str_has_suffix (debug, "\ncertificate of 127.0.0.1:5061 "
          "refused (unknown-ca,expired): notAfter 2020-01-01 00:00:00 UTC, "
          "now 2026-11-28"), "debug: %s", debug);

  gst_message_parse_error_details (msg, &details);
  check_details (details, PGSM_CERTIFICATE_EXPIRED |
      PGSM_CERTIFICATE_UNKNOWN_CA, "unknown-ca,expired", "127.0.0.1", 5061,
      TEST_PEM, TEST_SHA256);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);

  /* without certificate nor debug text */
  msg = post_and_pop (sink, bus, PGSM_CERTIFICATE_SELF_SIGNED, "::1", 443,
      NULL, NULL, NULL);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, &debug);
  fail_unless (g_error_matches (err, PGSM_TLS_ERROR,
          PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED));
  fail_unless_equals_string (err->message, WARNING_TEXT);
  fail_unless (g_str_has_suffix (debug, "\ncertificate of ::1:443 refused "
          "(self-signed)"), "debug: %s", debug);
  details = NULL;
  gst_message_parse_error_details (msg, &details);
  check_details (details, PGSM_CERTIFICATE_SELF_SIGNED, "self-signed", "::1",
      443, NULL, NULL);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);

  /* nothing else was posted */
  fail_unless (gst_bus_pop (bus) == NULL);

  gst_element_set_bus (sink, NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
}

GST_END_TEST;

static Suite *
pgsmcore_suite (void)
{
  Suite *s = suite_create ("pgsmcore");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_suite_table);
  tcase_add_test (tc, test_enum_types);
  tcase_add_test (tc, test_flags_to_string);
  tcase_add_test (tc, test_flags_to_tls_flags);
  tcase_add_test (tc, test_details_new);
  tcase_add_test (tc, test_post_certificate_error);

  return s;
}

GST_CHECK_MAIN (pgsmcore);
