/*
 * ertcp_dpdk: plain exported functions over DPDK's inline datapath, one downcall per burst.
 * See ertcp_dpdk.h for the contract; DPDK's skeleton and l2fwd examples show the same sequence of
 * calls (EAL init, mempool, configure, queue setup, start, bursts).
 */
#include "ertcp_dpdk.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_udp.h>

#include <netinet/in.h>

/* Per-lcore mempool cache; frames are allocated and freed by the one polling thread. */
#define POOL_CACHE_SIZE 256

/* One mempool per configured port, freed when the port closes. */
static struct rte_mempool *pools[RTE_MAX_ETHPORTS];

/* Errors are reported to the thread that hit them, as rte_errno is. */
static __thread char last_error[256];

static int fail(const int err, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Record "<what>: <rte_strerror>" as the calling thread's last error and return -err. */
static int fail(const int err, const char *format, ...)
{
    const int positive = err < 0 ? -err : err;
    va_list args;
    va_start(args, format);
    const int used = vsnprintf(last_error, sizeof(last_error), format, args);
    va_end(args);
    if (used >= 0 && (size_t)used < sizeof(last_error))
    {
        snprintf(last_error + used, sizeof(last_error) - (size_t)used, ": %s", rte_strerror(positive));
    }
    return -positive;
}

static int valid_port(const uint16_t port_id)
{
    return port_id < RTE_MAX_ETHPORTS && rte_eth_dev_is_valid_port(port_id);
}

int ertcp_dpdk_eal_init(int argc, char **argv)
{
    last_error[0] = '\0';
    if (rte_eal_init(argc, argv) < 0)
    {
        return fail(rte_errno, "rte_eal_init failed");
    }
    return 0;
}

int ertcp_dpdk_thread_register(void)
{
    if (rte_thread_register() != 0)
    {
        return fail(rte_errno, "rte_thread_register failed");
    }
    return (int)rte_lcore_id();
}

void ertcp_dpdk_thread_unregister(void)
{
    rte_thread_unregister();
}

int ertcp_dpdk_port_count(void)
{
    return (int)rte_eth_dev_count_avail();
}

int ertcp_dpdk_port_by_name(const char *name)
{
    uint16_t port_id;
    const int rc = rte_eth_dev_get_port_by_name(name, &port_id);
    if (rc != 0)
    {
        return fail(rc, "no DPDK port is named %s", name);
    }
    return port_id;
}

int ertcp_dpdk_port_setup(const uint16_t port_id, const uint32_t nb_mbufs, uint16_t nb_rx_desc, uint16_t nb_tx_desc,
    const uint32_t offloads_wanted, uint8_t *mac_out, uint32_t *offloads_out)
{
    if (!valid_port(port_id))
    {
        return fail(ENODEV, "port %u does not exist", port_id);
    }
    if (pools[port_id] != NULL)
    {
        return fail(EBUSY, "port %u is already set up", port_id);
    }

    struct rte_eth_dev_info info;
    int rc = rte_eth_dev_info_get(port_id, &info);
    if (rc != 0)
    {
        return fail(rc, "rte_eth_dev_info_get(port %u) failed", port_id);
    }

    char pool_name[RTE_MEMPOOL_NAMESIZE];
    snprintf(pool_name, sizeof(pool_name), "ertcp_mbufs_%u", port_id);
    const int socket_id = rte_eth_dev_socket_id(port_id);
    struct rte_mempool *pool = rte_pktmbuf_pool_create(
        pool_name, nb_mbufs, POOL_CACHE_SIZE, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket_id < 0 ? SOCKET_ID_ANY : socket_id);
    if (pool == NULL)
    {
        return fail(rte_errno, "could not create a pool of %u mbufs for port %u (raise EAL's -m)", nb_mbufs, port_id);
    }

    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf));
    if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
    {
        /* Every mbuf comes from one pool and has one reference: the driver may free them fast. */
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
    }

    /* Checksum offloads: only those asked for and offered. A NIC that verifies TCP and UDP checksums
     * reports each frame's result in its mbuf; one that fills them in takes frames marked
     * ERTCP_DPDK_FLAG_FILL_CHECKSUM (see ertcp_dpdk_tx_burst). */
    uint32_t offloads = 0;
    if ((offloads_wanted & ERTCP_DPDK_OFFLOAD_TX_TCP_CKSUM) && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM))
    {
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
        offloads |= ERTCP_DPDK_OFFLOAD_TX_TCP_CKSUM;
    }
    if ((offloads_wanted & ERTCP_DPDK_OFFLOAD_TX_UDP_CKSUM) && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM))
    {
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
        offloads |= ERTCP_DPDK_OFFLOAD_TX_UDP_CKSUM;
    }
    const uint64_t rx_l4 = RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
    if ((offloads_wanted & ERTCP_DPDK_OFFLOAD_RX_L4_CKSUM) && (info.rx_offload_capa & rx_l4) == rx_l4)
    {
        conf.rxmode.offloads |= rx_l4;
        offloads |= ERTCP_DPDK_OFFLOAD_RX_L4_CKSUM;
    }

    rc = rte_eth_dev_configure(port_id, 1, 1, &conf);
    if (rc != 0)
    {
        rte_mempool_free(pool);
        return fail(rc, "rte_eth_dev_configure(port %u) failed", port_id);
    }

    /* Let the driver round the ring sizes to what it supports. */
    rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rx_desc, &nb_tx_desc);
    if (rc != 0)
    {
        rte_mempool_free(pool);
        return fail(rc, "rte_eth_dev_adjust_nb_rx_tx_desc(port %u) failed", port_id);
    }

    struct rte_eth_rxconf rxconf = info.default_rxconf;
    rxconf.offloads = conf.rxmode.offloads;
    rc = rte_eth_rx_queue_setup(port_id, 0, nb_rx_desc, rte_eth_dev_socket_id(port_id), &rxconf, pool);
    if (rc != 0)
    {
        rte_mempool_free(pool);
        return fail(rc, "rte_eth_rx_queue_setup(port %u) failed", port_id);
    }

    struct rte_eth_txconf txconf = info.default_txconf;
    txconf.offloads = conf.txmode.offloads;
    rc = rte_eth_tx_queue_setup(port_id, 0, nb_tx_desc, rte_eth_dev_socket_id(port_id), &txconf);
    if (rc != 0)
    {
        rte_mempool_free(pool);
        return fail(rc, "rte_eth_tx_queue_setup(port %u) failed", port_id);
    }

    rc = rte_eth_dev_start(port_id);
    if (rc != 0)
    {
        rte_mempool_free(pool);
        return fail(rc, "rte_eth_dev_start(port %u) failed", port_id);
    }

    /* A node answers for addresses other than the NIC's own (the service VIP, a backup tapping the
     * primary's traffic), so take every frame. Drivers without the knob (-ENOTSUP) already do. */
    rc = rte_eth_promiscuous_enable(port_id);
    if (rc != 0 && rc != -ENOTSUP)
    {
        rte_eth_dev_stop(port_id);
        rte_mempool_free(pool);
        return fail(rc, "rte_eth_promiscuous_enable(port %u) failed", port_id);
    }
    rc = rte_eth_allmulticast_enable(port_id);
    if (rc != 0 && rc != -ENOTSUP)
    {
        rte_eth_dev_stop(port_id);
        rte_mempool_free(pool);
        return fail(rc, "rte_eth_allmulticast_enable(port %u) failed", port_id);
    }

    struct rte_ether_addr mac;
    rc = rte_eth_macaddr_get(port_id, &mac);
    if (rc != 0)
    {
        rte_eth_dev_stop(port_id);
        rte_mempool_free(pool);
        return fail(rc, "rte_eth_macaddr_get(port %u) failed", port_id);
    }
    memcpy(mac_out, mac.addr_bytes, RTE_ETHER_ADDR_LEN);
    *offloads_out = offloads;

    pools[port_id] = pool;
    return 0;
}

int ertcp_dpdk_rx_burst(const uint16_t port_id, ertcp_dpdk_desc *descs, uint16_t max)
{
    struct rte_mbuf *mbufs[ERTCP_DPDK_MAX_BURST];
    if (max > ERTCP_DPDK_MAX_BURST)
    {
        max = ERTCP_DPDK_MAX_BURST;
    }

    const uint16_t count = rte_eth_rx_burst(port_id, 0, mbufs, max);
    for (uint16_t i = 0; i < count; i++)
    {
        struct rte_mbuf *m = mbufs[i];
        uint32_t flags = 0;
        if (m->nb_segs > 1)
        {
            flags |= ERTCP_DPDK_FLAG_TRUNCATED;
        }
        switch (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK)
        {
            case RTE_MBUF_F_RX_L4_CKSUM_NONE:
                flags |= ERTCP_DPDK_FLAG_CHECKSUM_PARTIAL;
                break;
            case RTE_MBUF_F_RX_L4_CKSUM_GOOD:
                flags |= ERTCP_DPDK_FLAG_CHECKSUM_GOOD;
                break;
            case RTE_MBUF_F_RX_L4_CKSUM_BAD:
                flags |= ERTCP_DPDK_FLAG_CHECKSUM_BAD;
                break;
            default: /* RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN: the stack checks it */
                break;
        }
        descs[i].data = (uint64_t)rte_pktmbuf_mtod(m, uintptr_t);
        descs[i].length = m->data_len;
        descs[i].flags = flags;
        descs[i].mbuf = (uint64_t)(uintptr_t)m;
    }
    return count;
}

int ertcp_dpdk_alloc_bulk(const uint16_t port_id, ertcp_dpdk_desc *descs, uint16_t n)
{
    struct rte_mbuf *mbufs[ERTCP_DPDK_MAX_BURST];
    if (n > ERTCP_DPDK_MAX_BURST)
    {
        n = ERTCP_DPDK_MAX_BURST;
    }
    if (port_id >= RTE_MAX_ETHPORTS || pools[port_id] == NULL)
    {
        return -ENODEV;
    }
    if (rte_pktmbuf_alloc_bulk(pools[port_id], mbufs, n) != 0)
    {
        return -ENOMEM;
    }

    for (uint16_t i = 0; i < n; i++)
    {
        struct rte_mbuf *m = mbufs[i];
        descs[i].data = (uint64_t)rte_pktmbuf_mtod(m, uintptr_t);
        descs[i].length = rte_pktmbuf_tailroom(m);
        descs[i].flags = 0;
        descs[i].mbuf = (uint64_t)(uintptr_t)m;
    }
    return n;
}

/* Describe an IPv4 frame's headers to the driver and ask it for the TCP or UDP checksum. Java
 * marks only frames it built itself: Ethernet without VLAN tag, IPv4, TCP or UDP, headers whole. */
static void fill_checksum(struct rte_mbuf *m)
{
    const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
    const uint8_t *ip = frame + RTE_ETHER_HDR_LEN;
    const uint8_t ihl = (uint8_t)((ip[0] & 0x0F) * 4);
    m->l2_len = RTE_ETHER_HDR_LEN;
    m->l3_len = ihl;
    if (ip[9] == IPPROTO_TCP)
    {
        /* The data offset, in 32-bit words: net_tap, for one, sums the header apart from the payload. */
        m->l4_len = (uint8_t)((ip[ihl + 12] >> 4) * 4);
        m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
    }
    else
    {
        m->l4_len = sizeof(struct rte_udp_hdr);
        m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM;
    }
}

int ertcp_dpdk_tx_burst(const uint16_t port_id, const ertcp_dpdk_desc *descs, uint16_t n)
{
    struct rte_mbuf *mbufs[ERTCP_DPDK_MAX_BURST];
    if (n > ERTCP_DPDK_MAX_BURST)
    {
        n = ERTCP_DPDK_MAX_BURST;
    }

    uint16_t fill = 0;
    for (uint16_t i = 0; i < n; i++)
    {
        struct rte_mbuf *m = (struct rte_mbuf *)(uintptr_t)descs[i].mbuf;
        m->data_len = (uint16_t)descs[i].length;
        m->pkt_len = descs[i].length;
        m->ol_flags &= RTE_MBUF_F_EXTERNAL; /* as rte_pktmbuf_reset leaves it: no offload asked */
        if (descs[i].flags & ERTCP_DPDK_FLAG_FILL_CHECKSUM)
        {
            fill_checksum(m);
            fill++;
        }
        mbufs[i] = m;
    }

    uint16_t ready = n;
    if (fill > 0)
    {
        /* Drivers differ in what the checksum field must hold (Intel's want the pseudo-header sum,
         * as Java wrote it; others ignore it): tx_prepare does what this one needs. It stops at the
         * first frame it refuses; that frame and the rest are dropped, as a full ring's are. */
        ready = rte_eth_tx_prepare(port_id, 0, mbufs, n);
    }
    const uint16_t sent = rte_eth_tx_burst(port_id, 0, mbufs, ready);
    if (sent < n)
    {
        rte_pktmbuf_free_bulk(mbufs + sent, n - sent);
    }
    return sent;
}

void ertcp_dpdk_free_bulk(const ertcp_dpdk_desc *descs, uint16_t n)
{
    struct rte_mbuf *mbufs[ERTCP_DPDK_MAX_BURST];
    while (n > 0)
    {
        const uint16_t chunk = n > ERTCP_DPDK_MAX_BURST ? ERTCP_DPDK_MAX_BURST : n;
        for (uint16_t i = 0; i < chunk; i++)
        {
            mbufs[i] = (struct rte_mbuf *)(uintptr_t)descs[i].mbuf;
        }
        rte_pktmbuf_free_bulk(mbufs, chunk);
        descs += chunk;
        n -= chunk;
    }
}

int ertcp_dpdk_stats_get(const uint16_t port_id, ertcp_dpdk_stats *out)
{
    struct rte_eth_stats stats;
    const int rc = rte_eth_stats_get(port_id, &stats);
    if (rc != 0)
    {
        return fail(rc, "rte_eth_stats_get(port %u) failed", port_id);
    }
    out->ipackets = stats.ipackets;
    out->opackets = stats.opackets;
    out->ibytes = stats.ibytes;
    out->obytes = stats.obytes;
    out->imissed = stats.imissed;
    out->ierrors = stats.ierrors;
    out->oerrors = stats.oerrors;
    out->rx_nombuf = stats.rx_nombuf;
    return 0;
}

int ertcp_dpdk_port_close(const uint16_t port_id)
{
    if (!valid_port(port_id))
    {
        return fail(ENODEV, "port %u does not exist", port_id);
    }
    int rc = rte_eth_dev_stop(port_id);
    if (rc != 0)
    {
        rc = fail(rc, "rte_eth_dev_stop(port %u) failed", port_id);
    }
    const int close_rc = rte_eth_dev_close(port_id);
    if (close_rc != 0)
    {
        rc = fail(close_rc, "rte_eth_dev_close(port %u) failed", port_id);
    }
    /* The mbufs live in the pool; free it only once the driver has let go of its rings. */
    rte_mempool_free(pools[port_id]);
    pools[port_id] = NULL;
    return rc;
}

int ertcp_dpdk_eal_cleanup(void)
{
    const int rc = rte_eal_cleanup();
    if (rc != 0)
    {
        return fail(rc, "rte_eal_cleanup failed");
    }
    return 0;
}

const char *ertcp_dpdk_strerror(const int errnum)
{
    return rte_strerror(errnum < 0 ? -errnum : errnum);
}

const char *ertcp_dpdk_last_error(void)
{
    return last_error;
}
