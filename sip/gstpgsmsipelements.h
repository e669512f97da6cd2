/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __GST_PGSM_SIP_ELEMENTS_H__
#define __GST_PGSM_SIP_ELEMENTS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (pgsmsipbin);

G_END_DECLS

#endif /* __GST_PGSM_SIP_ELEMENTS_H__ */
