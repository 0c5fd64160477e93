-- AprOrleans PostgreSQL schema for the Orleans ADO.NET providers (clustering, grain storage, reminders).
--
-- Written for this project from the providers' documented contract: each provider loads its SQL from
-- OrleansQuery by key, binds parameters by name (@Name) and reads result columns by name. Only the
-- parameters that Orleans 10.4.2 binds are referenced (an unbound @name would fail; an unused bound one
-- is ignored by Npgsql). The script is idempotent (IF NOT EXISTS, CREATE OR REPLACE, upserts of the
-- query rows) and runs in one transaction under an advisory lock, so silos that start together and
-- `apr db migrate` may all apply it at once.

SELECT pg_advisory_xact_lock(7320115);

-- Query catalogue: the only SQL Orleans issues comes from here.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL PRIMARY KEY,
    QueryText varchar(8000) NOT NULL
);

-- ---------------------------------------------------------------------------------------------------
-- Clustering: one version row per cluster (DeploymentId = ClusterId) and one row per silo generation.
-- Every membership write bumps the version row in the same statement so concurrent writers conflict.
-- ---------------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150)   NOT NULL PRIMARY KEY,
    Timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    Version      integer        NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150)   NOT NULL REFERENCES OrleansMembershipVersionTable (DeploymentId),
    Address      varchar(45)    NOT NULL,
    Port         integer        NOT NULL,
    Generation   integer        NOT NULL,
    SiloName     varchar(150)   NOT NULL,
    HostName     varchar(150)   NOT NULL,
    Status       integer        NOT NULL,
    ProxyPort    integer        NULL,
    SuspectTimes varchar(8000)  NULL,
    StartTime    timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,
    PRIMARY KEY (DeploymentId, Address, Port, Generation)
);

-- Inserts a silo row only when the caller saw the current table version; returns 1 on success, else 0.
CREATE OR REPLACE FUNCTION apr_membership_insert(
    p_deployment varchar, p_address varchar, p_port integer, p_generation integer, p_silo_name varchar,
    p_host_name varchar, p_status integer, p_proxy_port integer, p_start timestamptz, p_alive timestamptz,
    p_version integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    UPDATE OrleansMembershipVersionTable
       SET Version = Version + 1, Timestamp = now()
     WHERE DeploymentId = p_deployment AND Version = p_version;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN RETURN 0; END IF;

    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    VALUES
        (p_deployment, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status, p_proxy_port, p_start, p_alive)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        -- The row already existed: undo the version bump so the write is all or nothing.
        RAISE EXCEPTION USING ERRCODE = 'AP001';
    END IF;
    RETURN 1;
EXCEPTION WHEN SQLSTATE 'AP001' THEN
    RETURN 0;
END $$;

-- Updates a silo row only when the caller saw the current table version; returns 1 on success, else 0.
CREATE OR REPLACE FUNCTION apr_membership_update(
    p_deployment varchar, p_address varchar, p_port integer, p_generation integer, p_status integer,
    p_suspect varchar, p_alive timestamptz, p_version integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    UPDATE OrleansMembershipVersionTable
       SET Version = Version + 1, Timestamp = now()
     WHERE DeploymentId = p_deployment AND Version = p_version;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN RETURN 0; END IF;

    UPDATE OrleansMembershipTable
       SET Status = p_status, SuspectTimes = p_suspect, IAmAliveTime = p_alive
     WHERE DeploymentId = p_deployment AND Address = p_address AND Port = p_port AND Generation = p_generation;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'AP001';
    END IF;
    RETURN 1;
EXCEPTION WHEN SQLSTATE 'AP001' THEN
    RETURN 0;
END $$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', '
    WITH created AS (
        INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (@DeploymentId)
        ON CONFLICT (DeploymentId) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM created
'),
('InsertMembershipKey', '
    SELECT apr_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status,
                                 @ProxyPort, @StartTime, @IAmAliveTime, @Version)
'),
('UpdateMembershipKey', '
    SELECT apr_membership_update(@DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes,
                                 @IAmAliveTime, @Version)
'),
('UpdateIAmAlivetimeKey', '
    UPDATE OrleansMembershipTable SET IAmAliveTime = @IAmAliveTime
     WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation
'),
('MembershipReadRowKey', '
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
      FROM OrleansMembershipVersionTable v
      LEFT JOIN OrleansMembershipTable m
        ON m.DeploymentId = v.DeploymentId
       AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
     WHERE v.DeploymentId = @DeploymentId
'),
('MembershipReadAllKey', '
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
      FROM OrleansMembershipVersionTable v
      LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
     WHERE v.DeploymentId = @DeploymentId
'),
('GatewaysQueryKey', '
    SELECT Address, ProxyPort, Generation FROM OrleansMembershipTable
     WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0
'),
('DeleteMembershipTableEntriesKey', '
    DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId
'),
-- Dead rows (Status 6) whose last heartbeat is older than the cutoff.
('CleanupDefunctSiloEntriesKey', '
    DELETE FROM OrleansMembershipTable
     WHERE DeploymentId = @DeploymentId AND IAmAliveTime < @IAmAliveTime AND Status = 6
'),
-- One dead row, only if nobody changed it since the caller read it.
('CleanupDefunctSiloEntryKey', '
    DELETE FROM OrleansMembershipTable
     WHERE DeploymentId = @DeploymentId AND Status = 6
       AND Address = @Address AND Port = @Port AND Generation = @Generation
       AND IAmAliveTime = @IAmAliveTime AND StartTime = @StartTime
       AND SuspectTimes IS NOT DISTINCT FROM @SuspectTimes
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- ---------------------------------------------------------------------------------------------------
-- Grain storage: one row per (service, grain type, grain id). Version is the ETag; a write that does
-- not present the stored version changes nothing and returns the version it was given, which Orleans
-- reports as an InconsistentStateException.
-- ---------------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer       NOT NULL,
    GrainIdN0              bigint        NOT NULL,
    GrainIdN1              bigint        NOT NULL,
    GrainTypeHash          integer       NOT NULL,
    GrainTypeString        varchar(512)  NOT NULL,
    GrainIdExtensionString varchar(512)  NULL,
    ServiceId              varchar(150)  NOT NULL,
    PayloadBinary          bytea         NULL,
    ModifiedOn             timestamp     NOT NULL,
    Version                integer       NULL
);

-- The extension string is NULL for keys without one; coalesce so the key is unique either way.
CREATE UNIQUE INDEX IF NOT EXISTS ux_orleansstorage_grain
    ON OrleansStorage (ServiceId, GrainTypeHash, GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeString,
                       COALESCE(GrainIdExtensionString, ''));

CREATE OR REPLACE FUNCTION apr_storage_write(
    p_id_hash integer, p_n0 bigint, p_n1 bigint, p_type_hash integer, p_type varchar, p_ext varchar,
    p_service varchar, p_version integer, p_payload bytea)
RETURNS TABLE (NewGrainStateVersion integer) LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    IF p_version IS NULL THEN
        -- First write of this grain's state: succeeds only if no row exists yet.
        INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                                    GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
        VALUES (p_id_hash, p_n0, p_n1, p_type_hash, p_type, p_ext, p_service, p_payload, now() AT TIME ZONE 'utc', 1)
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS n = ROW_COUNT;
        RETURN QUERY SELECT CASE WHEN n > 0 THEN 1 ELSE NULL::integer END;
    ELSE
        UPDATE OrleansStorage
           SET PayloadBinary = p_payload, ModifiedOn = now() AT TIME ZONE 'utc', Version = Version + 1
         WHERE ServiceId = p_service AND GrainTypeHash = p_type_hash AND GrainIdHash = p_id_hash
           AND GrainIdN0 = p_n0 AND GrainIdN1 = p_n1 AND GrainTypeString = p_type
           AND GrainIdExtensionString IS NOT DISTINCT FROM p_ext
           AND Version = p_version;
        GET DIAGNOSTICS n = ROW_COUNT;
        RETURN QUERY SELECT CASE WHEN n > 0 THEN p_version + 1 ELSE p_version END;
    END IF;
END $$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('WriteToStorageKey', '
    SELECT NewGrainStateVersion FROM apr_storage_write(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash,
        @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary)
'),
('ReadFromStorageKey', '
    SELECT PayloadBinary, NULL::xml AS PayloadXml, NULL::text AS PayloadJson, now() AT TIME ZONE ''utc'' AS ModifiedOn, Version
      FROM OrleansStorage
     WHERE ServiceId = @ServiceId AND GrainTypeHash = @GrainTypeHash AND GrainIdHash = @GrainIdHash
       AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
       AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
'),
-- Clearing keeps the row (and bumps its version) so a later first write cannot resurrect a stale ETag.
('ClearStorageKey', '
    UPDATE OrleansStorage SET PayloadBinary = NULL, Version = Version + 1
     WHERE ServiceId = @ServiceId AND GrainTypeHash = @GrainTypeHash AND GrainIdHash = @GrainIdHash
       AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
       AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
       AND Version = @GrainStateVersion
    RETURNING Version AS NewGrainStateVersion
'),
('DeleteStorageKey', '
    DELETE FROM OrleansStorage
     WHERE ServiceId = @ServiceId AND GrainTypeHash = @GrainTypeHash AND GrainIdHash = @GrainIdHash
       AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
       AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
       AND Version = @GrainStateVersion
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- ---------------------------------------------------------------------------------------------------
-- Reminders: one row per (service, grain, reminder name); GrainHash places rows on the silo ring.
-- ---------------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    varchar(150)   NOT NULL,
    GrainId      varchar(150)   NOT NULL,
    ReminderName varchar(150)   NOT NULL,
    StartTime    timestamptz(3) NOT NULL,
    Period       bigint         NOT NULL,
    GrainHash    integer        NOT NULL,
    Version      integer        NOT NULL,
    PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

CREATE INDEX IF NOT EXISTS ix_orleansreminders_hash ON OrleansRemindersTable (ServiceId, GrainHash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('UpsertReminderRowKey', '
    INSERT INTO OrleansRemindersTable (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period::bigint, @GrainHash, 0)
    ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
       SET StartTime = EXCLUDED.StartTime, Period = EXCLUDED.Period, GrainHash = EXCLUDED.GrainHash,
           Version = OrleansRemindersTable.Version + 1
    RETURNING Version
'),
('ReadReminderRowsKey', '
    SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId AND GrainId = @GrainId
'),
('ReadReminderRowKey', '
    SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName
'),
-- The ring range (BeginHash, EndHash] when it does not wrap ...
('ReadRangeRows1Key', '
    SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash
'),
-- ... and when it wraps past the top of the hash space.
('ReadRangeRows2Key', '
    SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId AND (GrainHash > @BeginHash OR GrainHash <= @EndHash)
'),
('DeleteReminderRowKey', '
    WITH gone AS (
        DELETE FROM OrleansRemindersTable
         WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName AND Version = @Version
        RETURNING 1)
    SELECT count(*)::integer FROM gone
'),
('DeleteReminderRowsKey', '
    DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;


-- ---------------------------------------------------------------------------------------------------
-- Weight blobs (DESIGN §6): published safetensors files, chunked, readable by every silo. A version row is
-- written in the same transaction as its chunks, so a listed blob is always complete; blobs are keyed by
-- (service, version, sha256) and never overwritten. The registry grain (grain storage) says which is current.
-- ---------------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS apr_weight_versions
(
    service_id varchar(150) NOT NULL,
    version    bigint       NOT NULL,
    sha256     char(64)     NOT NULL,
    size_bytes bigint       NOT NULL,
    chunks     integer      NOT NULL,
    stored_at  timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, version, sha256)
);

CREATE TABLE IF NOT EXISTS apr_weight_blobs
(
    service_id  varchar(150) NOT NULL,
    version     bigint       NOT NULL,
    sha256      char(64)     NOT NULL,
    chunk_index integer      NOT NULL,
    data        bytea        NOT NULL,
    PRIMARY KEY (service_id, version, sha256, chunk_index)
);

-- Weights do not compress: store chunks out of line without trying (saves the CPU of a futile pglz pass).
ALTER TABLE apr_weight_blobs ALTER COLUMN data SET STORAGE EXTERNAL;
