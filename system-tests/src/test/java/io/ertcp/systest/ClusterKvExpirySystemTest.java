package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kv's expiry on cluster time, on an ER-TCP cluster of real processes (af-packet, namespaces on a bridge), seen by
 * the kernel's clients (docs/architecture.md, "Cluster time"): {@code redis-cli TTL} counts down the same before and
 * after a kill -9 of the primary, a client's {@code TIME} plus {@code PTTL} in one request gives the key's deadline to
 * the millisecond unchanged by the failover, cluster time is the host's wall clock, and a key set with EX before the
 * kill is gone on the new primary once its deadline passes (and not before).
 */
class ClusterKvExpirySystemTest extends NamespaceClusterTest
{

    ClusterKvExpirySystemTest()
    {
        super("kvx", (shared, dir) -> shared.service("kv"), Tool.REDIS_CLI);
    }

    private static final Pattern TIME_AND_PTTL = Pattern.compile("\\*2\\s+\\$\\d+\\s+(\\d+)\\s+\\$\\d+\\s+(\\d+)\\s+:(-?\\d+)");

    /**
     * TIME and PTTL in one write to bash's /dev/tcp (coreutils' printf: bash's own writes each line apart, and a
     * second segment is a later record, at a later cluster time), so the store answers both at one cluster time.
     *
     * @return {cluster time ms, PTTL ms}.
     */
    private long[] timeAndPttl(final String key)
    {
        final String script = "exec 3<>/dev/tcp/" + ClusterNamespaces.VIP + "/6379 && /usr/bin/printf 'TIME\\r\\nPTTL " + key +
            "\\r\\n' >&3 && for i in 1 2 3 4 5 6; do IFS= read -r -t 10 line <&3 && printf '%s\\n' \"$line\"; done";
        final String reply = cluster.client().run(Duration.ofSeconds(20), "bash", "-c", script).requireOk().stdout();
        final Matcher m = TIME_AND_PTTL.matcher(reply.replace("\r", ""));
        assertTrue(m.find(), "TIME and PTTL answered: " + reply);
        return new long[]{Long.parseLong(m.group(1)) * 1000 + Long.parseLong(m.group(2)) / 1000, Long.parseLong(m.group(3))};
    }

    @Test
    @Timeout(180)
    void ttlAgreesBeforeAndAfterAKillOfThePrimaryAndKeysExpireOnTheNewOne() throws Exception
    {
        cluster.runHealed(this::ttlAgreesOnce);
    }

    private void ttlAgreesOnce(final ClusterNamespaces.Roles roles) throws Exception
    {
        final String key = "ecs:expiry:" + System.nanoTime();
        final String soon = key + ":soon";
        assertEquals("OK", redis("set", key, "v", "EX", "120"));
        final long soonSetMs = System.currentTimeMillis();
        assertEquals("OK", redis("set", soon, "v", "EX", "12"));
        assertEquals("OK", redis("set", key + ":forever", "v"));

        final long[] before = timeAndPttl(key);
        final long deadline = before[0] + before[1];
        final long hostMs = System.currentTimeMillis();
        assertTrue(Math.abs(before[0] - hostMs) < 2_000,
            "cluster time " + before[0] + " is the primary's wall clock, the host's " + hostMs);
        final long ttlBefore = Long.parseLong(redis("ttl", key));
        final long ttlBeforeAtMs = System.currentTimeMillis();
        assertTrue(ttlBefore >= 118 && ttlBefore <= 120, "TTL " + ttlBefore);
        assertEquals("-1", redis("ttl", key + ":forever"));

        Thread.sleep(1500);
        cluster.kill(roles.primary());
        final ClusterNamespaces.Takeover takeover = cluster.awaitTakeover(roles, Duration.ofSeconds(30));
        System.out.println("kill -9 of " + roles.primary() + "; " + takeover.line());

        final long[] after = timeAndPttl(key);
        assertEquals(deadline, after[0] + after[1],
            "the deadline from TIME plus PTTL, before the kill (" + before[0] + " + " + before[1] + ") and after (" +
            after[0] + " + " + after[1] + ")");
        assertTrue(after[0] > before[0], "cluster time went on: " + before[0] + " then " + after[0]);
        final long ttlAfter = Long.parseLong(redis("ttl", key));
        final long elapsedS = Math.round((System.currentTimeMillis() - ttlBeforeAtMs) / 1000.0);
        assertTrue(Math.abs(ttlBefore - elapsedS - ttlAfter) <= 1,
            "redis-cli TTL " + ttlBefore + " before the kill and " + ttlAfter + " " + elapsedS + " s later, after it");
        assertEquals("-1", redis("ttl", key + ":forever"), "no TTL stays none");

        // The short key, set before the kill, goes on the new primary at its deadline.
        final long soonLeft = Long.parseLong(redis("pttl", soon));
        assertTrue(soonLeft > 0 && soonLeft <= 12_000, "PTTL of the short key after the failover: " + soonLeft);
        final long waitMs = soonSetMs + 12_000 + 1_000 - System.currentTimeMillis();
        if (waitMs > 0)
        {
            Thread.sleep(waitMs);
        }
        assertEquals("0", redis("exists", soon), "the EX 12 key is gone after its deadline");
        assertEquals("-2", redis("ttl", soon));
        assertEquals("v", redis("get", key));
        assertEquals("1", redis("exists", key + ":forever"));
    }
}
