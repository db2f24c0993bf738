package org.iopfhir.privacy.audit;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.hl7.fhir.r4.formats.JsonParser;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The audit trail's own storage, next to HAPI's tables in the same database: one row per AuditEvent (the
 * columns auditors search by, and the event as JSON) and one row per patient the event is about. An event is
 * written with two batched inserts, not as a FHIR resource write: HAPI's write of an AuditEvent extracts and
 * indexes its eighteen search parameters, keeps a history version and resolves its references, and cost a
 * fifth of every request's CPU. Events are never changed or deleted here; they are read back as AuditEvents,
 * version 1, last updated when recorded.
 *
 * <p>Patients are those the event names in the patient role or references: by reference when the patient
 * existed, by identifier ({@code Type/id}) when it did not (a refused request, a deletion), so that
 * {@code AuditEvent?patient=} finds every access to a patient, also after the patient was deleted.
 */
public class AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    static final String EVENTS = "IOP_AUDIT_EVENT";
    static final String PATIENTS = "IOP_AUDIT_PATIENT";
    private static final String PATIENT_ROLE = "1";
    private static final String PATIENT_PREFIX = "Patient/";
    private static final String COLUMNS = "E.ID, E.RECORDED, E.RESOURCE_JSON";
    private static final int KEY_LENGTH = 256;

    private final FhirContext fhirContext;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;

    public AuditLog(DataSource dataSource, FhirContext fhirContext) {
        this.fhirContext = fhirContext;
        this.jdbc = new JdbcTemplate(dataSource);
        this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    /**
     * Creates the tables and their indexes where they are missing, in SQL both H2 and PostgreSQL accept. Two
     * replicas starting at once may race on the catalog: the loser tries again.
     */
    void createSchema() {
        List<String> statements = List.of(
                "CREATE TABLE IF NOT EXISTS " + EVENTS + " (ID VARCHAR(64) NOT NULL PRIMARY KEY, RECORDED BIGINT NOT NULL,"
                        + " ACTION VARCHAR(1), SUBTYPE VARCHAR(64), OUTCOME VARCHAR(2), CLIENT_ID VARCHAR,"
                        + " RESOURCE_JSON VARCHAR NOT NULL)",
                "CREATE TABLE IF NOT EXISTS " + PATIENTS + " (EVENT_ID VARCHAR(64) NOT NULL, PATIENT VARCHAR NOT NULL,"
                        + " PRIMARY KEY (EVENT_ID, PATIENT))",
                "CREATE INDEX IF NOT EXISTS IDX_IOP_AUDIT_RECORDED ON " + EVENTS + " (RECORDED, ID)",
                "CREATE INDEX IF NOT EXISTS IDX_IOP_AUDIT_CLIENT ON " + EVENTS + " (CLIENT_ID, RECORDED)",
                "CREATE INDEX IF NOT EXISTS IDX_IOP_AUDIT_PATIENT ON " + PATIENTS + " (PATIENT, EVENT_ID)");
        for (int attempt = 1; ; attempt++) {
            try {
                statements.forEach(jdbc::execute);
                return;
            } catch (RuntimeException e) {
                if (attempt == 3) {
                    throw e;
                }
                LOG.info("Creating the audit tables raced with another server; trying again");
            }
        }
    }

    /**
     * Stores new events in one transaction, each under a new id, or none of them. Events that already have an id
     * (moved from an earlier storage) keep it, replacing what is stored under it.
     */
    void store(List<AuditEvent> events) {
        JsonParser parser = new JsonParser();
        List<Object[]> rows = new ArrayList<>(events.size());
        List<Object[]> patients = new ArrayList<>();
        List<Object[]> replaced = new ArrayList<>();
        for (AuditEvent event : events) {
            String id = event.getIdElement().hasIdPart() ? event.getIdElement().getIdPart() : UUID.randomUUID().toString();
            if (event.getIdElement().hasIdPart()) {
                replaced.add(new Object[] {id});
            }
            rows.add(new Object[] {id, recorded(event), event.hasAction() ? event.getAction().toCode() : null,
                    event.getSubtypeFirstRep().getCode(), event.hasOutcome() ? event.getOutcome().toCode() : null,
                    clientOf(event), json(event, parser)});
            patientsOf(event).stream().map(AuditLog::key).distinct().forEach(p -> patients.add(new Object[] {id, p}));
        }
        transactions.executeWithoutResult(status -> {
            if (!replaced.isEmpty()) {
                jdbc.batchUpdate("DELETE FROM " + PATIENTS + " WHERE EVENT_ID = ?", replaced);
                jdbc.batchUpdate("DELETE FROM " + EVENTS + " WHERE ID = ?", replaced);
            }
            jdbc.batchUpdate("INSERT INTO " + EVENTS
                    + " (ID, RECORDED, ACTION, SUBTYPE, OUTCOME, CLIENT_ID, RESOURCE_JSON) VALUES (?, ?, ?, ?, ?, ?, ?)", rows);
            jdbc.batchUpdate("INSERT INTO " + PATIENTS + " (EVENT_ID, PATIENT) VALUES (?, ?)", patients);
        });
    }

    Optional<AuditEvent> read(String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM " + EVENTS + " E WHERE E.ID = ?", this::event, id).stream().findFirst();
    }

    /** One page of the events a query finds, in its order. */
    List<AuditEvent> search(AuditQuery query, int offset, int count) {
        List<Object> arguments = new ArrayList<>(List.of(query.arguments()));
        arguments.add(offset);
        arguments.add(count);
        return jdbc.query("SELECT " + COLUMNS + " FROM " + EVENTS + " E" + query.where() + query.orderBy()
                + " OFFSET ? ROWS FETCH NEXT ? ROWS ONLY", this::event, arguments.toArray());
    }

    int count(AuditQuery query) {
        Integer count = jdbc.queryForObject("SELECT COUNT(*) FROM " + EVENTS + " E" + query.where(), Integer.class,
                query.arguments());
        return count == null ? 0 : count;
    }

    private AuditEvent event(ResultSet row, int index) throws SQLException {
        AuditEvent event = fhirContext.newJsonParser().parseResource(AuditEvent.class, row.getString("RESOURCE_JSON"));
        event.setId(new IdType("AuditEvent", row.getString("ID"), "1"));
        event.setMeta(new Meta().setVersionId("1").setLastUpdated(new Date(row.getLong("RECORDED"))));
        return event;
    }

    /**
     * The event without its id and meta, which the row holds, as FHIR JSON. Written with the FHIR core library's
     * generated composer rather than HAPI's parser, in half the CPU, which every audited request pays on the writer's
     * thread (a search's event names up to 100 resources). HAPI's parser reads the events this server records back as
     * they were; only the spelling of a few values can differ from what HAPI would write (some Unicode whitespace is
     * escaped), and elements whose spelling differs more (decimals, contained resources) are not in such events.
     */
    private String json(AuditEvent event, JsonParser parser) {
        if (!event.getIdElement().isEmpty() || !event.getMeta().isEmpty()) {
            event = event.copy(); // moved from HAPI's storage: its id and meta stay out of the JSON
            event.setIdElement(null);
            event.setMeta(null);
        }
        try {
            return parser.composeString(event);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // composes into memory: not expected
        }
    }

    private static long recorded(AuditEvent event) {
        return event.hasRecorded() ? event.getRecorded().getTime() : System.currentTimeMillis();
    }

    private static String clientOf(AuditEvent event) {
        return event.getAgent().stream().filter(a -> a.hasAltId()).map(a -> key(a.getAltId())).findFirst().orElse(null);
    }

    /**
     * A value as its key column holds it: without NUL characters (PostgreSQL refuses them) and at most 256
     * characters (an index row has a size limit), so that no caller's token can make an event unstorable;
     * searched values are cut the same way.
     */
    static String key(String value) {
        String clean = value.replace("\0", "");
        return clean.length() > KEY_LENGTH ? clean.substring(0, KEY_LENGTH) : clean;
    }

    /** The patients an event is about, as {@code Patient/id}: referenced, or named in the patient role. */
    static Set<String> patientsOf(AuditEvent event) {
        Set<String> patients = new LinkedHashSet<>();
        event.getEntity().forEach(entity -> {
            Reference what = entity.getWhat();
            if (what.hasReference()) {
                String reference = new IdType(what.getReference()).toUnqualifiedVersionless().getValue();
                if (reference.startsWith(PATIENT_PREFIX)) {
                    patients.add(reference);
                }
            } else if (PATIENT_ROLE.equals(entity.getRole().getCode()) && what.getIdentifier().hasValue()
                    && what.getIdentifier().getValue().startsWith(PATIENT_PREFIX)) {
                patients.add(what.getIdentifier().getValue());
            }
        });
        return patients;
    }
}
