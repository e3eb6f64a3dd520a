/*
 * ertcp_dpdk: the C shim between ertcp's Java engine and DPDK 22.11.
 *
 * DPDK's datapath (rte_eth_rx_burst, rte_eth_tx_burst, rte_pktmbuf_mtod, ...) is made of inline
 * functions that Java cannot call through FFM, so this shim exports plain functions with one prefix,
 * ertcp_dpdk_. Frames cross the boundary as descriptor arrays that Java allocates once and the shim
 * fills: one downcall per burst, never one per frame. Java reads and writes frames in place at the
 * data addresses the descriptors carry.
 *
 * Errors: functions return a negative errno value (-rte_errno where DPDK sets it); the calling
 * thread's last error, a sentence naming the failed step and rte_strerror's text, is available from
 * ertcp_dpdk_last_error().
 *
 * The Java side (io.ertcp.ffm.dpdk.DpdkShim) mirrors every layout and signature here; keep them in
 * step.
 */
#ifndef ERTCP_DPDK_H
#define ERTCP_DPDK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The most descriptors one rx burst, tx burst, bulk allocation or bulk free handles. */
#define ERTCP_DPDK_MAX_BURST 256

/* Descriptor flag: the frame spans more than one mbuf; only the first segment is described. */
#define ERTCP_DPDK_FLAG_TRUNCATED 0x2u
/* Descriptor flag: the L4 checksum field is not filled in but the data is intact
 * (RTE_MBUF_F_RX_L4_CKSUM_NONE), as for frames a local Linux stack sent with offload. */
#define ERTCP_DPDK_FLAG_CHECKSUM_PARTIAL 0x1u
/* Descriptor flag (rx): the NIC checked the TCP or UDP checksum and found it good
 * (RTE_MBUF_F_RX_L4_CKSUM_GOOD). */
#define ERTCP_DPDK_FLAG_CHECKSUM_GOOD 0x4u
/* Descriptor flag (rx): the NIC checked the TCP or UDP checksum and found it wrong
 * (RTE_MBUF_F_RX_L4_CKSUM_BAD). */
#define ERTCP_DPDK_FLAG_CHECKSUM_BAD 0x8u
/* Descriptor flag (tx): the frame is IPv4 carrying TCP or UDP whose checksum field holds only the
 * pseudo-header sum; the NIC fills the checksum in. Only on a port set up with a TX checksum offload. */
#define ERTCP_DPDK_FLAG_FILL_CHECKSUM 0x10u

/* Offloads ertcp_dpdk_port_setup can turn on and reports as on. */
#define ERTCP_DPDK_OFFLOAD_TX_TCP_CKSUM 0x1u /* RTE_ETH_TX_OFFLOAD_TCP_CKSUM */
#define ERTCP_DPDK_OFFLOAD_TX_UDP_CKSUM 0x2u /* RTE_ETH_TX_OFFLOAD_UDP_CKSUM */
#define ERTCP_DPDK_OFFLOAD_RX_L4_CKSUM 0x4u  /* RTE_ETH_RX_OFFLOAD_TCP_CKSUM and _UDP_CKSUM */

/*
 * One frame in an mbuf, 24 bytes. The rx burst fills data, length, flags and mbuf; a bulk
 * allocation fills data, length (the room the mbuf has for a frame) and mbuf; a tx burst reads mbuf,
 * length (the frame's length) and flags (ERTCP_DPDK_FLAG_FILL_CHECKSUM or 0); a bulk free reads mbuf.
 */
typedef struct ertcp_dpdk_desc
{
    uint64_t data;   /* address of the frame's first byte (rte_pktmbuf_mtod) */
    uint32_t length; /* frame length in bytes, or the room a freshly allocated mbuf offers */
    uint32_t flags;  /* ERTCP_DPDK_FLAG_* bits */
    uint64_t mbuf;   /* the struct rte_mbuf pointer, an opaque handle for Java */
} ertcp_dpdk_desc;

/* A port's statistics (struct rte_eth_stats' totals), 64 bytes. */
typedef struct ertcp_dpdk_stats
{
    uint64_t ipackets;
    uint64_t opackets;
    uint64_t ibytes;
    uint64_t obytes;
    uint64_t imissed;
    uint64_t ierrors;
    uint64_t oerrors;
    uint64_t rx_nombuf;
} ertcp_dpdk_stats;

/* Initialise EAL from an argument list (argv[0] is the program name). Pins the calling thread to
 * its lcore's CPU set: call it from a thread made for the purpose. Returns 0 or -errno. */
int ertcp_dpdk_eal_init(int argc, char **argv);

/* Register the calling thread as a non-EAL lcore so that mempool caches work for it. Returns the
 * lcore id or -errno. */
int ertcp_dpdk_thread_register(void);

/* Undo ertcp_dpdk_thread_register for the calling thread. */
void ertcp_dpdk_thread_unregister(void);

/* The number of usable ports EAL probed. */
int ertcp_dpdk_port_count(void);

/* The id of the port whose device name is name (such as "net_af_packet0"), or -errno. */
int ertcp_dpdk_port_by_name(const char *name);

/* Configure port_id with one rx and one tx queue over a new mempool of nb_mbufs mbufs, turn on
 * those of the offloads_wanted (ERTCP_DPDK_OFFLOAD_* bits) the driver offers, promiscuous and
 * all-multicast reception where the driver can, start it, write its MAC address into mac_out[6]
 * and the offloads now on into *offloads_out. Returns 0 or -errno. */
int ertcp_dpdk_port_setup(uint16_t port_id, uint32_t nb_mbufs, uint16_t nb_rx_desc, uint16_t nb_tx_desc,
    uint32_t offloads_wanted, uint8_t *mac_out, uint32_t *offloads_out);

/* Receive up to max (at most ERTCP_DPDK_MAX_BURST) frames into descs. Returns the count. */
int ertcp_dpdk_rx_burst(uint16_t port_id, ertcp_dpdk_desc *descs, uint16_t max);

/* Allocate n mbufs from port_id's mempool, all or none, describing each in descs. Returns n or
 * -ENOMEM. */
int ertcp_dpdk_alloc_bulk(uint16_t port_id, ertcp_dpdk_desc *descs, uint16_t n);

/* Send the n frames descs describe (mbuf, length, flags). Frames marked ERTCP_DPDK_FLAG_FILL_CHECKSUM
 * go through rte_eth_tx_prepare first, which writes what the driver needs in the checksum field. Mbufs
 * the driver did not take are freed. Returns the number sent. */
int ertcp_dpdk_tx_burst(uint16_t port_id, const ertcp_dpdk_desc *descs, uint16_t n);

/* Free the n mbufs descs name. */
void ertcp_dpdk_free_bulk(const ertcp_dpdk_desc *descs, uint16_t n);

/* Copy port_id's statistics into out. Returns 0 or -errno. */
int ertcp_dpdk_stats_get(uint16_t port_id, ertcp_dpdk_stats *out);

/* Stop and close port_id and free its mempool. Returns 0 or -errno. */
int ertcp_dpdk_port_close(uint16_t port_id);

/* Release what EAL holds. Returns 0 or -errno. */
int ertcp_dpdk_eal_cleanup(void);

/* rte_strerror's text for an errno value (either sign). */
const char *ertcp_dpdk_strerror(int errnum);

/* The calling thread's last error: the step that failed and why. Empty when none. */
const char *ertcp_dpdk_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* ERTCP_DPDK_H */
