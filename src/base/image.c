/* lostwax: RGBA pictures (see image.h). */
#include "base/image.h"

#include <string.h>

#include "base/alloc.h"

void lw_image_clear(lw_image *im)
{
    lw_free(im->rgba);
    memset(im, 0, sizeof *im);
}
