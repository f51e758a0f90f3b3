/* SPDX-License-Identifier: ISC */
/*
 * pcapng.h - the few pcapng blocks berth capture --drops writes: one
 * section, one interface, enhanced packets with a comment each; and the
 * two headers of a classic pcap file (berth capture -w), written here
 * rather than through libpcap's dump API, so that the CLI does not link
 * libpcap: its dependencies (libdbus, libsystemd, libgcrypt...) cost
 * every berth command about 3.5 ms of loading.
 *
 * Classic pcap has no place for a comment; the reason a packet was dropped goes in the packet's
 * opt_comment (pcapng, draft-ietf-opsawg-pcapng), which tshark shows as
 * frame.comment and Wireshark in the packet list. Blocks are in host
 * byte order, as the section header's byte-order magic tells readers.
 */
#ifndef BERTH_PCAPNG_H
#define BERTH_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#define PCAPNG_SHB_LEN		28
#define PCAPNG_IDB_LEN		20
#define PCAPNG_COMMENT_MAX	256
#define PCAPNG_CLASSIC_HDR_LEN	24
#define PCAPNG_CLASSIC_REC_LEN	16

/* Section header (PCAPNG_SHB_LEN bytes) into out. */
size_t	 pcapng_shb(uint8_t *out);
/* Interface description (PCAPNG_IDB_LEN bytes): link type, snaplen. */
size_t	 pcapng_idb(uint8_t *out, uint16_t linktype, uint32_t snaplen);
/*
 * The length of an enhanced packet block for caplen bytes and a comment
 * (NULL: none; longer than PCAPNG_COMMENT_MAX: cut).
 */
size_t	 pcapng_epb_len(size_t caplen, const char *comment);
/* Write it into out, which has pcapng_epb_len() bytes. */
size_t	 pcapng_epb(uint8_t *out, uint32_t sec, uint32_t usec,
	    const uint8_t *pkt, uint32_t caplen, uint32_t origlen,
	    const char *comment);

/* Classic pcap (microsecond timestamps, host byte order, as libpcap's
 * pcap_dump_open writes): the file header, then one record header
 * before each packet's caplen bytes. */
size_t	 pcapng_classic_hdr(uint8_t *out, uint32_t linktype,
	    uint32_t snaplen);
size_t	 pcapng_classic_rec(uint8_t *out, uint32_t sec, uint32_t usec,
	    uint32_t caplen, uint32_t origlen);

#endif
