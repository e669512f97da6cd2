/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Translations: the certificate warning is the English sentence byte for
 * byte in the C locale and the Italian one in an Italian locale, with the
 * same error domain, code, debug string and details either way.
 *
 * The catalogs come from the build tree (PGSM_LOCALEDIR, set from
 * PGSM_TEST_LOCALEDIR = build/po). Italian is selected with LANGUAGE=it
 * under the C.UTF-8 locale, which every glibc >= 2.35 system has (glibc
 * ignores LANGUAGE only when LC_MESSAGES is "C" or "POSIX"), or with
 * it_IT.UTF-8 when C.UTF-8 is missing. With neither, the Italian cases are
 * left out and the program exits 77 (meson: SKIP) after the C cases pass. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <locale.h>
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/pgsm/pgsm.h>
#include <gst/pgsm/pgsmi18n.h>

/* Written out here on purpose: the product's sentences, byte for byte */
#define WARNING_TEXT "You are attempting to open a secure connection, but " \
  "the server's certificate is not trusted. Please contact your system " \
  "administrator"
#define WARNING_TEXT_IT "Si sta tentando di aprire una connessione sicura, " \
  "ma il certificato del server non \xc3\xa8 attendibile. Contattare " \
  "l'amministratore di sistema"

#define DEBUG_SUFFIX "\ncertificate of 127.0.0.1:5061 refused " \
  "(bad-identity,expired): notAfter 2020-01-01"

#define SKIP_EXIT_CODE 77

/* The locale that gives Italian messages, NULL when none works */
static const gchar *italian_locale;

static void
use_c_locale (void)
{
  /* LANGUAGE=it on purpose: the C locale must ignore it */
  g_setenv ("LANGUAGE", "it", TRUE);
  fail_unless (setlocale (LC_ALL, "C") != NULL);
}

static void
use_italian (void)
{
  g_setenv ("LANGUAGE", "it", TRUE);
  /* setlocale() after setenv(): it also invalidates gettext's cache */
  fail_unless (setlocale (LC_ALL, italian_locale) != NULL,
      "locale %s vanished", italian_locale);
}

/* Posts the certificate ERROR from a bare element and checks everything
 * but the message text, which is returned */
static gchar *
post_and_check (void)
{
  GstElement *element = gst_bin_new ("peer");
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL, *text;
  const GstStructure *details = NULL;
  PgsmCertificateFlags flags = 0;
  guint port = 0;

  gst_element_set_bus (element, bus);
  pgsm_element_post_certificate_error (element,
      PGSM_CERTIFICATE_EXPIRED | PGSM_CERTIFICATE_BAD_IDENTITY, "127.0.0.1",
      5061, NULL, NULL, "notAfter 2020-01-01");
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);

  gst_message_parse_error (msg, &err, &debug);
  fail_unless (err != NULL);
  fail_unless (err->domain == PGSM_TLS_ERROR);
  fail_unless_equals_int (err->code, PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED);
  /* the debug string is for logs and support: never translated */
  fail_unless (g_str_has_suffix (debug, DEBUG_SUFFIX), "debug: %s", debug);

  gst_message_parse_error_details (msg, &details);
  fail_unless (details != NULL);
  fail_unless (gst_structure_has_name (details, PGSM_CERTIFICATE_DETAILS_NAME));
  fail_unless (gst_structure_get_flags (details, "flags",
          PGSM_TYPE_CERTIFICATE_FLAGS, (guint *) & flags));
  fail_unless_equals_int (flags,
      PGSM_CERTIFICATE_EXPIRED | PGSM_CERTIFICATE_BAD_IDENTITY);
  fail_unless_equals_string (gst_structure_get_string (details, "reasons"),
      "bad-identity,expired");
  fail_unless (gst_structure_get_uint (details, "port", &port));
  fail_unless_equals_int (port, 5061);

  text = g_strdup (err->message);
  g_error_free (err);
  g_free (debug);
  gst_message_unref (msg);
  gst_element_set_bus (element, NULL);
  gst_object_unref (bus);
  gst_object_unref (element);

  return text;
}

static void
assert_bytes (const gchar * got, const gchar * want)
{
  fail_unless (got != NULL);
  fail_unless_equals_int (strlen (got), strlen (want));
  fail_unless (memcmp (got, want, strlen (want)) == 0,
      "got '%s', want '%s'", got, want);
}

GST_START_TEST (test_c_locale_is_byte_identical)
{
  gchar *text;

  use_c_locale ();
  text = post_and_check ();
  assert_bytes (text, PGSM_CERTIFICATE_NOT_TRUSTED_MESSAGE);
  assert_bytes (text, WARNING_TEXT);
  g_free (text);
}

GST_END_TEST;

GST_START_TEST (test_italian)
{
  gchar *text;

  use_italian ();
  text = post_and_check ();
  assert_bytes (text, WARNING_TEXT_IT);
  fail_unless (g_utf8_validate (text, -1, NULL));
  g_free (text);
}

GST_END_TEST;

/* One process going back and forth: gettext must not serve a cached
 * translation to the other locale */
GST_START_TEST (test_switch_back_and_forth)
{
  gchar *text;
  guint i;

  for (i = 0; i < 2; i++) {
    use_italian ();
    text = post_and_check ();
    assert_bytes (text, WARNING_TEXT_IT);
    g_free (text);

    use_c_locale ();
    text = post_and_check ();
    assert_bytes (text, PGSM_CERTIFICATE_NOT_TRUSTED_MESSAGE);
    g_free (text);
  }
}

GST_END_TEST;

/* The plugins' strings come from the same catalog through pgsmi18n.h: the
 * domain loaded is the Italian UTF-8 one, found through PGSM_LOCALEDIR */
GST_START_TEST (test_plugin_domain)
{
  const gchar *header;

  pgsm_i18n_init ();
  fail_unless_equals_string (pgsm_i18n_localedir (), PGSM_TEST_LOCALEDIR);

  use_italian ();
  header = dgettext (GETTEXT_PACKAGE, "");
  fail_unless (strstr (header, "Language: it\n") != NULL, "header: %s", header);
  fail_unless (strstr (header, "charset=UTF-8") != NULL, "header: %s", header);
  /* a string the catalog does not know comes back untouched */
  fail_unless_equals_string (_("pgsm: no such message"),
      "pgsm: no such message");

  use_c_locale ();
  fail_unless_equals_string (dgettext (GETTEXT_PACKAGE, ""), "");
}

GST_END_TEST;

/* A call error of pgsmsipbin (plugin pgsmsip, its own plugin_init binds
 * the domain): English in the C locale, Italian in Italian */
static gchar *
sipbin_refusal (void)
{
  GstElement *bin = gst_element_factory_make ("pgsmsipbin", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;
  gchar *text;

  fail_unless (bin != NULL);
  gst_element_set_bus (bin, bus);
  /* clear media without allow-insecure-signaling: refused at start */
  gst_util_set_object_arg (G_OBJECT (bin), "media-encryption", "none");
  fail_unless_equals_int (gst_element_set_state (bin, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  text = g_strdup (err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (bin, GST_STATE_NULL);
  gst_element_set_bus (bin, NULL);
  gst_object_unref (bus);
  gst_object_unref (bin);
  return text;
}

GST_START_TEST (test_sipbin_call_error)
{
  GstElementFactory *f = gst_element_factory_find ("pgsmsipbin");
  gchar *text;

  if (f == NULL) {
    GST_WARNING ("pgsmsipbin not built, skipping");
    return;
  }
  gst_object_unref (f);
  use_c_locale ();
  text = sipbin_refusal ();
  assert_bytes (text, "Refusing clear media.");
  g_free (text);
  use_italian ();
  text = sipbin_refusal ();
  assert_bytes (text, "Audio in chiaro rifiutato.");
  g_free (text);
  use_c_locale ();
}

GST_END_TEST;

static Suite *
pgsmi18n_suite (void)
{
  Suite *s = suite_create ("pgsmi18n");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_c_locale_is_byte_identical);
  if (italian_locale) {
    tcase_add_test (tc, test_italian);
    tcase_add_test (tc, test_switch_back_and_forth);
    tcase_add_test (tc, test_plugin_domain);
    tcase_add_test (tc, test_sipbin_call_error);
  }

  return s;
}

/* The first locale, of those that can carry Italian messages, that this
 * system has */
static const gchar *
find_italian_locale (void)
{
  static const gchar *candidates[] = { "C.UTF-8", "it_IT.UTF-8" };
  const gchar *found = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (candidates) && !found; i++) {
    if (setlocale (LC_ALL, candidates[i]) != NULL)
      found = candidates[i];
  }
  setlocale (LC_ALL, "C");

  return found;
}

int
main (int argc, char **argv)
{
  gchar *mo;
  int failed;

  /* Before anything binds the domain: the catalogs of the build tree */
  g_setenv (PGSM_LOCALEDIR_ENV, PGSM_TEST_LOCALEDIR, TRUE);
  mo = g_build_filename (PGSM_TEST_LOCALEDIR, "it", "LC_MESSAGES",
      GETTEXT_PACKAGE ".mo", NULL);
  if (!g_file_test (mo, G_FILE_TEST_IS_REGULAR)) {
    g_printerr ("pgsmi18n: %s is missing: the Italian catalog was not "
        "built\n", mo);
    return 1;
  }
  g_free (mo);

  italian_locale = find_italian_locale ();

  gst_check_init (&argc, &argv);
  failed = gst_check_run_suite (pgsmi18n_suite (), "pgsmi18n", __FILE__);
  if (failed)
    return failed;

  if (!italian_locale) {
    g_print ("SKIP: neither C.UTF-8 nor it_IT.UTF-8 is available, only the "
        "C locale was checked. On Debian: apt-get install locales, then "
        "enable it_IT.UTF-8 in /etc/locale.gen and run locale-gen\n");
    return SKIP_EXIT_CODE;
  }

  return 0;
}
