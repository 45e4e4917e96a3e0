/* lostwax: an RGBA picture as every layer passes it around (printer-file previews, rendered
 * design previews, the plate), 8 bits a channel, straight (not premultiplied) alpha. */
#ifndef LW_BASE_IMAGE_H
#define LW_BASE_IMAGE_H

#include <stdint.h>

typedef struct lw_image {
    uint32_t width, height;
    uint8_t *rgba; /* owned (lw_malloc), 4 * width * height bytes, rows top to bottom */
} lw_image;

/* Frees the pixels and zeroes the picture; a zeroed picture may be cleared again. */
void lw_image_clear(lw_image *im);

#endif
