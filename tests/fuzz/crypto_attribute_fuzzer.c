/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* libFuzzer target for pgsm_crypto_attribute_parse(). Beyond "no crash,
 * no leak, no undefined behaviour", it checks on every input:
 *
 *  - an accepted attribute formats, and the text parses back to an
 *    attribute that formats to the same text, with the same accessors;
 *  - a refused input gives a PGSM_CRYPTO_ERROR with a non-empty message
 *    that does not repeat the text following any "inline:" (the key).
 *
 * Build and run: tests/fuzz/run.sh (see tests/fuzz/README.md). The same
 * file, with tests/fuzz/standalone.c, replays the seed corpus as a normal
 * meson test. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gst/pgsm/pgsmcrypto.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

#define LEAK_WINDOW 16

static void
check (gboolean ok, const char *what)
{
  if (!ok) {
    g_printerr ("fuzzer invariant broken: %s\n", what);
    abort ();
  }
}

static gboolean
is_b64 (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/' || c == '=';
}

/* TRUE if @window occurs in a whitespace-separated word of @input that
 * contains '_': the parser may quote such words (suite and parameter
 * names), and they cannot be base64 */
static gboolean
in_quotable_word (const char *input, const char *window)
{
  gchar **words = g_strsplit_set (input, " \t", -1);
  gboolean found = FALSE;
  guint i;

  for (i = 0; words[i] && !found; i++)
    found = strchr (words[i], '_') && strstr (words[i], window);
  g_strfreev (words);
  return found;
}

/* The message must not contain LEAK_WINDOW characters of mixed-case base64
 * that follow an "inline:" of the input */
static void
check_no_key_in (const char *input, const char *message)
{
  const char *p = input;

  while ((p = strstr (p, "inline:")) != NULL) {
    const char *k = p + 7;
    size_t run = 0, i;

    while (is_b64 (k[run]))
      run++;
    for (i = 0; i + LEAK_WINDOW <= run; i++) {
      gchar *w = g_strndup (k + i, LEAK_WINDOW);
      gboolean upper = FALSE, lower = FALSE;
      size_t j;

      for (j = 0; j < LEAK_WINDOW; j++) {
        upper |= g_ascii_isupper (w[j]);
        lower |= g_ascii_islower (w[j]);
      }
      if (upper && lower && strstr (message, w) && !in_quotable_word (input, w)) {
        g_printerr ("message '%s' contains key text\n", message);
        abort ();
      }
      g_free (w);
    }
    p = k;
  }
}

static void
check_same (const PgsmCryptoAttribute * a, const PgsmCryptoAttribute * b)
{
  guint i, n = pgsm_crypto_attribute_get_n_keys (a);

  check (pgsm_crypto_attribute_get_tag (a) ==
      pgsm_crypto_attribute_get_tag (b), "tag");
  check (pgsm_crypto_attribute_get_suite (a) ==
      pgsm_crypto_attribute_get_suite (b), "suite");
  check (n >= 1, "at least one key");
  check (n == pgsm_crypto_attribute_get_n_keys (b), "n_keys");
  for (i = 0; i < n; i++) {
    GBytes *ka = pgsm_crypto_attribute_get_key (a, i);
    GBytes *kb = pgsm_crypto_attribute_get_key (b, i);
    guint32 ma, mb;
    guint la, lb;
    gboolean ha = pgsm_crypto_attribute_get_mki (a, i, &ma, &la);
    gboolean hb = pgsm_crypto_attribute_get_mki (b, i, &mb, &lb);

    check (g_bytes_equal (ka, kb), "key");
    check (pgsm_crypto_attribute_get_lifetime (a, i) ==
        pgsm_crypto_attribute_get_lifetime (b, i), "lifetime");
    check (ha == hb && ma == mb && la == lb, "mki");
    check (!ha || (la >= 1 && la <= 128), "mki length range");
    g_bytes_unref (ka);
    g_bytes_unref (kb);
  }
  check (pgsm_crypto_attribute_get_kdr (a) ==
      pgsm_crypto_attribute_get_kdr (b), "kdr");
  check (pgsm_crypto_attribute_get_kdr (a) <= 24, "kdr range");
  check (pgsm_crypto_attribute_get_wsh (a) ==
      pgsm_crypto_attribute_get_wsh (b), "wsh");
  check (pgsm_crypto_attribute_get_unencrypted_srtp (a) ==
      pgsm_crypto_attribute_get_unencrypted_srtp (b), "unencrypted_srtp");
  check (pgsm_crypto_attribute_get_unencrypted_srtcp (a) ==
      pgsm_crypto_attribute_get_unencrypted_srtcp (b), "unencrypted_srtcp");
  check (pgsm_crypto_attribute_get_unauthenticated_srtp (a) ==
      pgsm_crypto_attribute_get_unauthenticated_srtp (b),
      "unauthenticated_srtp");
  check (pgsm_crypto_attribute_has_session_params (a) ==
      pgsm_crypto_attribute_has_session_params (b), "has_session_params");
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* A g_return_if_fail reached from the parser is a bug too */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  gchar *input = g_strndup ((const gchar *) data, size);
  GError *err = NULL;
  PgsmCryptoAttribute *a = pgsm_crypto_attribute_parse (input, &err);

  if (a == NULL) {
    check (err != NULL, "error set on failure");
    check (err->domain == PGSM_CRYPTO_ERROR, "error domain");
    check (err->code >= PGSM_CRYPTO_ERROR_SYNTAX &&
        err->code <= PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM, "error code");
    check (err->message && err->message[0], "error message");
    check (g_utf8_validate (err->message, -1, NULL), "message is UTF-8");
    check_no_key_in (input, err->message);
    g_error_free (err);
  } else {
    gchar *s1, *s2;
    PgsmCryptoAttribute *b, *c;

    check (err == NULL, "no error on success");
    s1 = pgsm_crypto_attribute_to_string (a);
    check (s1 != NULL, "to_string");
    b = pgsm_crypto_attribute_parse (s1, &err);
    if (b == NULL) {
      g_printerr ("canonical form refused: %s\n", err->message);
      abort ();
    }
    s2 = pgsm_crypto_attribute_to_string (b);
    check (strcmp (s1, s2) == 0, "to_string is parse-stable");
    check_same (a, b);
    c = pgsm_crypto_attribute_copy (a);
    check_same (a, c);
    pgsm_crypto_attribute_free (c);
    pgsm_crypto_attribute_free (b);
    g_free (s1);
    g_free (s2);
    pgsm_crypto_attribute_free (a);
  }
  g_free (input);
  return 0;
}
