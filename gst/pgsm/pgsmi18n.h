/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/*
 * Private header of gst-pgsm (not installed): gettext for the core and the
 * plugins. Include it after config.h, instead of <glib/gi18n-lib.h>:
 *
 *   _("User sentence.")   translated through the gst-pgsm-1.0 domain
 *   N_("User sentence.")  marked for xgettext, translated later with _()
 *   pgsm_i18n_init ()     binds the domain; call it once before the first
 *                         translated string is used (plugin_init is the
 *                         place in a plugin); cheap and safe to call again
 *
 * The catalogs are looked up in LOCALEDIR (set by meson from -Dlocaledir),
 * or in the directory named by the PGSM_LOCALEDIR environment variable,
 * which exists so that tests and `meson devenv` can use the catalogs of the
 * build tree (build/po/<lang>/LC_MESSAGES/gst-pgsm-1.0.mo) without
 * installing. It is ignored in set-user-ID / set-group-ID processes.
 */

#ifndef __PGSM_I18N_H__
#define __PGSM_I18N_H__

#ifndef GETTEXT_PACKAGE
#error "include config.h before pgsmi18n.h"
#endif

#include <unistd.h>
#include <glib.h>
#include <glib/gi18n-lib.h>

G_BEGIN_DECLS

/* Name of the environment variable that overrides LOCALEDIR */
#define PGSM_LOCALEDIR_ENV "PGSM_LOCALEDIR"

/* pgsm_i18n_localedir:
 *
 * Returns: the directory the gst-pgsm-1.0 catalogs are loaded from
 * (PGSM_LOCALEDIR when set, not empty and the process is not privileged,
 * LOCALEDIR otherwise).
 */
static inline const gchar *
pgsm_i18n_localedir (void)
{
  const gchar *dir = g_getenv (PGSM_LOCALEDIR_ENV);

  /* A privileged process must not read its messages from a directory
   * chosen by whoever started it */
  if (dir == NULL || *dir == '\0' || getuid () != geteuid ()
      || getgid () != getegid ())
    dir = LOCALEDIR;

  return dir;
}

/* pgsm_i18n_init:
 *
 * Binds the gst-pgsm-1.0 text domain to pgsm_i18n_localedir() with UTF-8
 * output whatever the locale's charset (GStreamer messages are UTF-8). The
 * binding is process-wide; each caller binds at most once.
 */
static inline void
pgsm_i18n_init (void)
{
  static gsize bound = 0;

  if (g_once_init_enter (&bound)) {
    bindtextdomain (GETTEXT_PACKAGE, pgsm_i18n_localedir ());
    bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
    g_once_init_leave (&bound, 1);
  }
}

G_END_DECLS

#endif /* __PGSM_I18N_H__ */
