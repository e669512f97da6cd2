/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pgsm-site-gateway: the End-To-Site gateway as a program.
 *
 *   pgsm-site-gateway --config site.conf
 *
 * Prints one line per event on standard output (the first two give the
 * bound SIP ports), stops on SIGINT or SIGTERM with status 0. See
 * docs/site-gateway.md. */

#include "gateway.h"

#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>

static void
print_line (const gchar * line, gpointer user_data)
{
  g_print ("%s\n", line);
  fflush (stdout);
}

static gboolean
quit_cb (GMainLoop * loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  gchar *config_path = NULL;
  gboolean check_only = FALSE;
  GOptionEntry entries[] = {
    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
        "The gateway's configuration (key file)", "FILE"},
    {"check", 0, 0, G_OPTION_ARG_NONE, &check_only,
        "Only read the configuration and say whether it is valid", NULL},
    {NULL}
  };
  GOptionContext *ctx;
  GError *err = NULL;
  PgsmGatewayConfig *config;
  PgsmGateway *gw;
  GMainLoop *loop;

  ctx = g_option_context_new ("- the gst-pgsm End-To-Site gateway");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);
  if (config_path == NULL) {
    g_printerr ("usage: %s --config FILE (see docs/site-gateway.md)\n",
        argv[0]);
    return 2;
  }
  config = pgsm_gateway_config_load (config_path, &err);
  if (config == NULL) {
    g_printerr ("%s: %s\n", config_path, err->message);
    return 2;
  }
  g_free (config_path);
  if (check_only) {
    g_print ("configuration OK: %u numbers\n", config->targets->len);
    pgsm_gateway_config_free (config);
    return 0;
  }

  loop = g_main_loop_new (NULL, FALSE);
  gw = pgsm_gateway_new (config, NULL, print_line, NULL);
  if (!pgsm_gateway_start (gw, &err)) {
    g_printerr ("the gateway could not start: %s\n", err->message);
    pgsm_gateway_free (gw);
    g_main_loop_unref (loop);
    return 1;
  }
  g_unix_signal_add (SIGINT, (GSourceFunc) quit_cb, loop);
  g_unix_signal_add (SIGTERM, (GSourceFunc) quit_cb, loop);
  g_main_loop_run (loop);
  g_print ("stopping\n");
  pgsm_gateway_free (gw);
  g_main_loop_unref (loop);
  return 0;
}
