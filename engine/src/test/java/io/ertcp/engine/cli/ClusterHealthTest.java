package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.config.ClusterMode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterHealthTest
{
    private static NodeAnswer up(final String name, final String configured, final String role, final long epoch,
        final String detail, final Map<String, Boolean> alive)
    {
        final Map<String, Object> status = new LinkedHashMap<>();
        status.put("node", name);
        status.put("role", role);
        status.put("epoch", epoch);
        status.put("detail", detail);
        final List<Object> members = new ArrayList<>();
        alive.forEach((member, isAlive) -> members.add(Map.of("name", member, "alive", isAlive, "self", false)));
        status.put("members", members);
        return new NodeAnswer(name, configured, "10.80.0.1:9464", "network", true, status, "");
    }

    private static NodeAnswer down(final String name, final String configured)
    {
        return new NodeAnswer(name, configured, "10.80.0.1:9464", "none", false, null, "no answer from 10.80.0.1:9464");
    }

    private static final Map<String, Boolean> ALL_ALIVE = Map.of("logger", true, "backup", true);

    @Test
    void aWholeErTcpClusterIsHealthy()
    {
        assertEquals(List.of(), ClusterHealth.problems(ClusterMode.ER_TCP, List.of(
            up("primary", "primary", "primary", 1, "unconfirmed 0 bytes", ALL_ALIVE),
            up("logger", "logger", "logger", 1, "", Map.of()),
            up("backup", "backup", "backup", 1, "", Map.of()))));
    }

    @Test
    void aMemberOnAnotherClusterFileIsUnhealthyAndNamedOnce()
    {
        final Map<String, Object> status = new LinkedHashMap<>();
        status.put("node", "logger");
        status.put("role", "logger");
        status.put("epoch", 1L);
        status.put("detail", "another cluster file on backup");
        status.put("members", List.of(Map.of("name", "primary", "alive", true, "config_differs", false),
            Map.of("name", "backup", "alive", true, "config_differs", true)));
        final NodeAnswer logger = new NodeAnswer("logger", "logger", "10.80.0.2:9464", "network", true, status, "");
        final Map<String, Object> primaryStatus = new LinkedHashMap<>(status);
        primaryStatus.put("node", "primary");
        primaryStatus.put("role", "primary");
        primaryStatus.put("members", List.of(Map.of("name", "logger", "alive", true, "config_differs", false),
            Map.of("name", "backup", "alive", true, "config_differs", true)));
        final NodeAnswer primary = new NodeAnswer("primary", "primary", "10.80.0.1:9464", "network", true, primaryStatus, "");
        final Map<String, Object> backupStatus = new LinkedHashMap<>(status);
        backupStatus.put("node", "backup");
        backupStatus.put("role", "backup");
        backupStatus.put("members", List.of(Map.of("name", "primary", "alive", true, "config_differs", true),
            Map.of("name", "logger", "alive", true, "config_differs", true)));
        final NodeAnswer backup = new NodeAnswer("backup", "backup", "10.80.0.3:9464", "network", true, backupStatus, "");
        // The backup names both others, but both others name the backup: it is the one that differs.
        assertEquals(List.of("backup runs another cluster file than the other members (the digests in their " +
            "heartbeats differ): give every node the same file"),
            ClusterHealth.problems(ClusterMode.ER_TCP, List.of(primary, logger, backup)));
    }

    @Test
    void noLoggerInErTcpIsUnhealthy()
    {
        final List<String> problems = ClusterHealth.problems(ClusterMode.ER_TCP, List.of(
            up("primary", "primary", "primary", 1, "", Map.of("logger", false, "backup", true)),
            down("logger", "logger"),
            up("backup", "backup", "backup", 1, "", Map.of())));
        assertTrue(problems.get(0).startsWith("no logger"), problems.toString());
        assertTrue(problems.contains("logger logger is down (no answer from 10.80.0.1:9464)"), problems.toString());
        assertEquals(2, problems.size(), "the down logger is not also 'not heard': " + problems);
    }

    @Test
    void noPrimaryAndTwoPrimariesAreUnhealthy()
    {
        final List<String> none = ClusterHealth.problems(ClusterMode.ER_TCP, List.of(
            down("primary", "primary"), up("logger", "logger", "logger", 1, "", Map.of()),
            up("backup", "backup", "draining", 2, "", Map.of())));
        assertEquals("no primary: backup is taking over", none.get(0), none.toString());
        final List<String> two = ClusterHealth.problems(ClusterMode.ER_TCP, List.of(
            up("primary", "primary", "primary", 1, "", ALL_ALIVE), up("logger", "logger", "logger", 2, "", Map.of()),
            up("backup", "backup", "primary", 2, "", ALL_ALIVE)));
        assertEquals(List.of("more than one primary: primary in epoch 1, backup in epoch 2"), two);
    }

    @Test
    void aLostBackupAFencedNodeAndAMemberThePrimaryDoesNotHearAreUnhealthy()
    {
        assertEquals(List.of("backup backup is down (no answer from 10.80.0.1:9464)"),
            ClusterHealth.problems(ClusterMode.ER_TCP, List.of(
                up("primary", "primary", "primary", 1, "", Map.of("logger", true, "backup", false)),
                up("logger", "logger", "logger", 1, "", Map.of()), down("backup", "backup"))));
        assertEquals(List.of("old is fenced (deposed): it rejoins as a backup by itself"),
            ClusterHealth.problems(ClusterMode.ER_TCP, List.of(
                up("primary", "primary", "primary", 2, "", Map.of("logger", true, "old", true)),
                up("logger", "logger", "logger", 2, "", Map.of()), up("old", "backup", "fenced", 1, "", Map.of()))));
        assertEquals(List.of("the primary primary does not hear backup"),
            ClusterHealth.problems(ClusterMode.ER_TCP, List.of(
                up("primary", "primary", "primary", 1, "", Map.of("logger", true, "backup", false)),
                up("logger", "logger", "logger", 1, "", Map.of()), up("backup", "backup", "backup", 1, "", Map.of()))));
    }

    @Test
    void anStTcpPrimaryWithoutItsBackupInSyncIsUnhealthyAndNeedsNoLogger()
    {
        final Map<String, Boolean> alive = Map.of("backup", true, "witness", true);
        assertEquals(List.of(), ClusterHealth.problems(ClusterMode.ST_TCP, List.of(
            up("primary", "primary", "primary", 1, "backup backup in sync, unconfirmed 0 bytes", alive),
            up("backup", "backup", "backup", 1, "tapped 3 fetched 0", Map.of()),
            up("witness", "witness", "witness", 1, "", Map.of()))));
        assertEquals(List.of("the primary primary has no backup in sync (alone (no backup))"),
            ClusterHealth.problems(ClusterMode.ST_TCP, List.of(
                up("primary", "primary", "primary", 1, "alone (no backup), unconfirmed 0 bytes", alive),
                up("backup", "backup", "backup", 1, "", Map.of()), up("witness", "witness", "witness", 1, "", Map.of()))));
    }
}
