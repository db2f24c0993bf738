package org.iopfhir.ig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.util.MetaUtil;
import jakarta.persistence.EntityManager;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.SearchParameter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.iopfhir.server.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * Installs the implementation guide into the repository when the application starts, before the
 * web server accepts requests: every conformance resource of the guide's package is stored under its
 * own id (profiles with the snapshots the package carries); a restart with unchanged files changes
 * nothing and an edited file becomes a new version. The example episode follows when enabled.
 *
 * <p>Replicas starting together on one PostgreSQL database take turns: the installation runs under a
 * session-level advisory lock, so the first installs and the others, once it is done, find everything
 * installed and skip it (two concurrent installs would both create the same ids and one would fail).
 *
 * <p>Why not HAPI's package installer ({@code PackageInstallerSvcImpl}, checked in 8.8.0), although the
 * input is the same FHIR package: it installs only resources whose status is {@code active} (ours are
 * drafts), skips a resource that already exists under its URL unless told to reload everything (so an
 * edited guide at the same version never reaches a running database, or every start rewrites it all),
 * does not install the examples in {@code package/example/}, and stores the package binary in its
 * package cache tables on each start, which replicas starting together would race on. The package
 * itself is the one {@link GuidePackage} builds, so any other server can install it with HAPI's
 * installer.
 */
@Component
public class ImplementationGuideInstaller implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(ImplementationGuideInstaller.class);

    private final FhirContext fhirContext;
    private final DaoRegistry daoRegistry;
    private final IFhirSystemDao<Bundle, ?> systemDao;
    private final ImplementationGuide guide;
    private final boolean loadExamples;
    private final DataSource dataSource;
    private final Database database;
    private final ISearchParamRegistry searchParamRegistry;
    private final EntityManager entityManager;

    /** The advisory lock key the installation runs under ("IOPIG" in ASCII): one per database. */
    static final long INSTALL_LOCK = 0x494F504947L;
    private static final long LOCK_POLL_MILLIS = 500;

    public ImplementationGuideInstaller(FhirContext fhirContext, DaoRegistry daoRegistry,
            IFhirSystemDao<Bundle, ?> systemDao, ImplementationGuide guide, IgProperties properties, Database database,
            DataSource dataSource, ISearchParamRegistry searchParamRegistry, EntityManager entityManager) {
        this.fhirContext = fhirContext;
        this.daoRegistry = daoRegistry;
        this.systemDao = systemDao;
        this.guide = guide;
        this.loadExamples = properties.loadExamples() != null ? properties.loadExamples() : database == Database.H2;
        this.dataSource = dataSource;
        this.database = database;
        this.searchParamRegistry = searchParamRegistry;
        this.entityManager = entityManager;
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (database != Database.POSTGRESQL) {
            install(); // H2 is embedded: one server per database
            return;
        }
        try (Connection lock = dataSource.getConnection()) {
            acquire(lock);
            try {
                install();
            } finally {
                release(lock);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not take the guide installation lock", e);
        }
    }

    private void install() {
        installConformanceResources();
        if (loadExamples) {
            guide.examples().forEach(this::loadExample);
        }
    }

    /**
     * Polls with {@code pg_try_advisory_lock} rather than blocking in {@code pg_advisory_lock}: the wait
     * for another replica's installation may rightly outlast the statement timeout.
     */
    private static void acquire(Connection connection) throws SQLException {
        long started = System.nanoTime();
        boolean logged = false;
        while (true) {
            try (PreparedStatement statement = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                statement.setLong(1, INSTALL_LOCK);
                try (ResultSet result = statement.executeQuery()) {
                    result.next();
                    if (result.getBoolean(1)) {
                        if (logged) {
                            log.info("Guide installation lock taken after {} ms",
                                    (System.nanoTime() - started) / 1_000_000);
                        }
                        return;
                    }
                }
            }
            if (!logged) {
                log.info("Another server is installing the implementation guide into this database: waiting");
                logged = true;
            }
            try {
                Thread.sleep(LOCK_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted waiting for the guide installation lock", e);
            }
        }
    }

    private static void release(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            statement.setLong(1, INSTALL_LOCK);
            statement.execute();
        }
    }

    private void installConformanceResources() {
        long started = System.nanoTime();
        int changed = 0;
        boolean searchParametersChanged = false;
        Set<String> current = currentlyStored(guide.conformance());
        for (ImplementationGuide.Entry entry : guide.conformance()) {
            String source = sourceOf(entry);
            if (current.contains(keyOf(entry.resource(), source))) {
                continue;
            }
            // A copy: the guide's parsed resources are shared (e.g. with the placement engine) and stay as read.
            IBaseResource resource = ((Resource) entry.resource()).copy();
            MetaUtil.setSource(fhirContext, resource, source);
            SystemRequestDetails install = new SystemRequestDetails();
            // A changed SearchParameter would start HAPI's reindex job, whose definition is registered only
            // once the context is refreshed, after this installation: the job is not there yet. The guide's
            // parameters are installed before the examples, so those are indexed by them when they are
            // stored; records stored before a parameter changed are indexed anew when they are next written.
            install.getUserData().put(JpaConstants.SKIP_REINDEX_ON_UPDATE, true);
            dao(resource).update(resource, install);
            changed++;
            searchParametersChanged |= resource instanceof SearchParameter;
        }
        if (searchParametersChanged) {
            // Active before anything else is stored, so the examples loaded next are indexed by them too.
            searchParamRegistry.forceRefresh();
        }
        log.info("Implementation guide installed: {} conformance resources, {} new or changed, in {} ms",
                guide.conformance().size(), changed, (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Each installed resource records the file and content digest it came from in
     * {@code meta.source}; a resource whose stored source matches needs no work (snapshot
     * generation and terminology indexing take seconds for the whole guide).
     */
    static String sourceOf(ImplementationGuide.Entry entry) {
        return ImplementationGuide.CANONICAL_BASE + entry.file() + "?sha256=" + entry.digest();
    }

    /**
     * The entries the installer itself stored as they are, as {@link #keyOf} keys: the current, undeleted version of
     * the entry's own resource records the entry's file and digest and no request id. The installer writes without a
     * request id; a version written through the API has one, so a guide resource edited through the API is installed
     * again, also when the client kept the guide file's source: the package is what the guide's canonical URLs stand
     * for. One query for the whole guide, where reading each resource took most of a restart's installation (84
     * reads, 0.8 s).
     */
    Set<String> currentlyStored(List<ImplementationGuide.Entry> entries) {
        List<String> sources = entries.stream().map(ImplementationGuideInstaller::sourceOf).toList();
        List<Object[]> rows = entityManager.createQuery("SELECT r.myResourceType, r.myFhirId, v.mySourceUri"
                        + " FROM ResourceHistoryTable v JOIN v.myResourceTable r"
                        + " WHERE v.mySourceUri IN (:sources) AND v.myRequestId IS NULL"
                        + " AND v.myResourceVersion = r.myVersion AND r.myDeleted IS NULL",
                        Object[].class)
                .setParameter("sources", sources)
                .getResultList();
        Set<String> keys = new HashSet<>();
        rows.forEach(row -> keys.add(row[0] + "/" + row[1] + " " + row[2]));
        return keys;
    }

    static String keyOf(IBaseResource resource, String source) {
        return resource.fhirType() + "/" + resource.getIdElement().getIdPart() + " " + source;
    }

    private String storedSource(IBaseResource resource) {
        try {
            return MetaUtil.getSource(fhirContext, dao(resource).read(
                    resource.getIdElement().toUnqualifiedVersionless(), new SystemRequestDetails()));
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            return null;
        }
    }

    /**
     * Example resources carry their Bundle's source too, so an unchanged example is not posted again; unlike the
     * guide, an example a developer has since edited through the API (HAPI gives its source back as
     * {@code <source>#<request id>}) is theirs and is left as it is.
     */
    private void loadExample(ImplementationGuide.Entry example) {
        long started = System.nanoTime();
        Bundle bundle = (Bundle) example.resource();
        String source = sourceOf(example);
        String stored = bundle.getEntry().isEmpty() ? null : storedSource(bundle.getEntryFirstRep().getResource());
        if (bundle.getEntry().isEmpty() || source.equals(stored) || (stored != null && stored.startsWith(source + "#"))) {
            return;
        }
        Bundle tagged = bundle.copy();
        tagged.getEntry().forEach(e -> MetaUtil.setSource(fhirContext, e.getResource(), source));
        try {
            systemDao.transaction(new SystemRequestDetails(), tagged);
            log.info("Example {} loaded: {} resources in {} ms", example.file(), tagged.getEntry().size(),
                    (System.nanoTime() - started) / 1_000_000);
        } catch (BaseServerResponseException e) {
            // A broken example must not keep a developer's server from starting; the tests catch it.
            log.error("Example {} was not loaded: {}", example.file(), e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private IFhirResourceDao<IBaseResource> dao(IBaseResource resource) {
        return (IFhirResourceDao<IBaseResource>) daoRegistry.getResourceDao(resource.fhirType());
    }
}
