#ifndef STINGY_FILEIO_H
#define STINGY_FILEIO_H

/* fileio: the small pieces of writing files safely that the commands share. */

#include <stddef.h>

/*
 * fileio_write_all: all len bytes of p to fd, again after EINTR and short
 * writes. 0, or -1 with errno set (what was written stays written).
 */
int	fileio_write_all(int fd, const void *p, size_t len);

#endif
