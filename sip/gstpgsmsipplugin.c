/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpgsmsipelements.h"

#include <gst/pgsm/pgsmi18n.h>

static gboolean
plugin_init (GstPlugin * plugin)
{
  /* the messages of the bin's errors and warnings are translated */
  pgsm_i18n_init ();
  return GST_ELEMENT_REGISTER (pgsmsipbin, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR,
    GST_VERSION_MINOR,
    pgsmsip,
    "Secure voice calls: SIP over TLS (Sofia-SIP) with SDES-SRTP media",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
