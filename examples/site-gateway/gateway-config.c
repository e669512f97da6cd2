/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "gateway-config.h"

#include <string.h>

#define DEFAULT_MAX_CALLS 8
#define MAX_MAX_CALLS 16

static void
target_free (PgsmGatewayTarget * t)
{
  g_free (t->number);
  g_free (t->uri);
  g_free (t->pin);
  g_strfreev (t->dial);
  g_free (t);
}

void
pgsm_gateway_config_free (PgsmGatewayConfig * config)
{
  if (config == NULL)
    return;
  g_free (config->outside_listen);
  g_free (config->inside_listen);
  g_free (config->domain);
  g_free (config->cert_file);
  g_free (config->key_file);
  g_free (config->ca_file);
  g_free (config->codecs);
  g_clear_pointer (&config->targets, g_ptr_array_unref);
  g_free (config);
}

/* The user part of a SIP URI ("sips:300@host:5061;transport=tls" -> "300"),
 * or NULL */
gchar *
pgsm_gateway_number_of_uri (const gchar * uri)
{
  const gchar *start, *at;

  if (uri == NULL)
    return NULL;
  start = strchr (uri, ':');
  if (start == NULL)
    return NULL;
  start++;
  at = strchr (start, '@');
  if (at == NULL || at == start)
    return NULL;
  return g_strndup (start, at - start);
}

static gboolean
valid_number (const gchar * n)
{
  const gchar *p;

  if (n == NULL || *n == '\0')
    return FALSE;
  for (p = n; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_.+", *p) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
valid_pin (const gchar * pin)
{
  const gchar *p;

  if (*pin == '\0' || strlen (pin) > 16)
    return FALSE;
  for (p = pin; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && *p != '*')
      return FALSE;
  return TRUE;
}

static gchar *
get_string (GKeyFile * kf, const gchar * group, const gchar * key,
    const gchar * fallback)
{
  gchar *v = g_key_file_get_string (kf, group, key, NULL);

  if (v == NULL && fallback != NULL)
    v = g_strdup (fallback);
  if (v != NULL)
    g_strstrip (v);
  return v;
}

/* One [kind number] group */
static PgsmGatewayTarget *
read_target (GKeyFile * kf, const gchar * group, GError ** error)
{
  static const struct
  {
    const gchar *word;
    PgsmGatewayTargetKind kind;
    const gchar *scheme;
  } kinds[] = {
    {"user", PGSM_GATEWAY_TARGET_USER, "sips:"},
    {"phone", PGSM_GATEWAY_TARGET_PHONE, "sip:"},
    {"room", PGSM_GATEWAY_TARGET_ROOM, NULL},
  };
  gchar **words = g_strsplit (group, " ", 2);
  PgsmGatewayTarget *t = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (words[0], kinds[i].word) == 0)
      break;
  if (i == G_N_ELEMENTS (kinds) || !valid_number (words[1])) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
        "[%s]: a group is [gateway], [user NUMBER], [phone NUMBER] or "
        "[room NUMBER] (NUMBER: letters, digits, -_.+)", group);
    goto out;
  }
  t = g_new0 (PgsmGatewayTarget, 1);
  t->kind = kinds[i].kind;
  t->number = g_strdup (words[1]);
  if (kinds[i].scheme != NULL) {
    t->uri = get_string (kf, group, "uri", NULL);
    if (t->uri == NULL || !g_str_has_prefix (t->uri, kinds[i].scheme)) {
      /* users are reached over TLS only; phones are on the inside leg */
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "[%s]: uri must be a %s URI", group, kinds[i].scheme);
      g_clear_pointer (&t, target_free);
      goto out;
    }
  } else {
    t->pin = get_string (kf, group, "pin", NULL);
    if (t->pin != NULL && !valid_pin (t->pin)) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "[%s]: pin must be 1 to 16 digits", group);
      g_clear_pointer (&t, target_free);
      goto out;
    }
    t->dial = g_key_file_get_string_list (kf, group, "dial", NULL, NULL);
    if (t->dial != NULL && t->dial[0] == NULL)
      g_clear_pointer (&t->dial, g_strfreev);
    for (i = 0; t->dial != NULL && t->dial[i] != NULL; i++)
      g_strstrip (t->dial[i]);
  }

out:
  g_strfreev (words);
  return t;
}

/* Every number a room dials must exist and not be a room */
static gboolean
check_dial_lists (PgsmGatewayConfig * c, GError ** error)
{
  guint i, j;

  for (i = 0; i < c->targets->len; i++) {
    const PgsmGatewayTarget *t = g_ptr_array_index (c->targets, i);

    for (j = 0; t->dial != NULL && t->dial[j] != NULL; j++) {
      const PgsmGatewayTarget *d = pgsm_gateway_config_lookup (c, t->dial[j]);

      if (d == NULL || d->kind == PGSM_GATEWAY_TARGET_ROOM) {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
            "[room %s]: dial: '%s' is not a user or phone", t->number,
            t->dial[j]);
        return FALSE;
      }
    }
  }
  return TRUE;
}

static PgsmGatewayConfig *
config_from_key_file (GKeyFile * kf, GError ** error)
{
  PgsmGatewayConfig *c = g_new0 (PgsmGatewayConfig, 1);
  gchar **groups;
  GError *err = NULL;
  guint i;

  c->targets = g_ptr_array_new_with_free_func ((GDestroyNotify) target_free);
  if (!g_key_file_has_group (kf, "gateway")) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
        "no [gateway] group");
    goto error;
  }
  c->outside_listen = get_string (kf, "gateway", "outside-listen",
      "sips:127.0.0.1:5061");
  c->inside_listen = get_string (kf, "gateway", "inside-listen",
      "sip:127.0.0.1:5060");
  c->domain = get_string (kf, "gateway", "domain", "127.0.0.1");
  c->cert_file = get_string (kf, "gateway", "cert-file", NULL);
  c->key_file = get_string (kf, "gateway", "key-file", NULL);
  c->ca_file = get_string (kf, "gateway", "ca-file", NULL);
  c->codecs = get_string (kf, "gateway", "codecs", "PCMU,PCMA");
  if (!g_str_has_prefix (c->outside_listen, "sips:")) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
        "[gateway] outside-listen must be a sips: URI (the outside leg is "
        "TLS + SRTP only)");
    goto error;
  }
  if (!g_str_has_prefix (c->inside_listen, "sip:")) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
        "[gateway] inside-listen must be a sip: URI");
    goto error;
  }
  if (c->cert_file == NULL || c->key_file == NULL) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
        "[gateway] needs cert-file and key-file (the site certificate)");
    goto error;
  }
  c->max_calls = DEFAULT_MAX_CALLS;
  if (g_key_file_has_key (kf, "gateway", "max-calls", NULL)) {
    gint n = g_key_file_get_integer (kf, "gateway", "max-calls", &err);

    if (err != NULL || n < 1 || n > MAX_MAX_CALLS) {
      g_clear_error (&err);
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "[gateway] max-calls must be 1..%d", MAX_MAX_CALLS);
      goto error;
    }
    c->max_calls = n;
  }

  groups = g_key_file_get_groups (kf, NULL);
  for (i = 0; groups[i] != NULL; i++) {
    PgsmGatewayTarget *t;

    if (g_strcmp0 (groups[i], "gateway") == 0)
      continue;
    t = read_target (kf, groups[i], error);
    if (t == NULL) {
      g_strfreev (groups);
      goto error;
    }
    if (pgsm_gateway_config_lookup (c, t->number) != NULL) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "[%s]: number %s is defined twice", groups[i], t->number);
      target_free (t);
      g_strfreev (groups);
      goto error;
    }
    g_ptr_array_add (c->targets, t);
  }
  g_strfreev (groups);
  if (!check_dial_lists (c, error))
    goto error;
  return c;

error:
  pgsm_gateway_config_free (c);
  return NULL;
}

PgsmGatewayConfig *
pgsm_gateway_config_parse (const gchar * data, GError ** error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();

  g_key_file_set_list_separator (kf, ',');
  if (!g_key_file_load_from_data (kf, data, -1, G_KEY_FILE_NONE, error))
    return NULL;
  return config_from_key_file (kf, error);
}

PgsmGatewayConfig *
pgsm_gateway_config_load (const gchar * path, GError ** error)
{
  g_autofree gchar *data = NULL;

  if (!g_file_get_contents (path, &data, NULL, error))
    return NULL;
  return pgsm_gateway_config_parse (data, error);
}

const PgsmGatewayTarget *
pgsm_gateway_config_lookup (const PgsmGatewayConfig * config,
    const gchar * number)
{
  guint i;

  if (number == NULL)
    return NULL;
  for (i = 0; i < config->targets->len; i++) {
    const PgsmGatewayTarget *t = g_ptr_array_index (config->targets, i);

    if (g_strcmp0 (t->number, number) == 0)
      return t;
  }
  return NULL;
}
