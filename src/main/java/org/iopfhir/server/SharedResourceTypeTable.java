package org.iopfhir.server;

import ca.uhn.fhir.jpa.cache.ResourceTypeCacheSvcImpl;
import ca.uhn.fhir.jpa.dao.data.IResourceTypeDao;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.util.MemoryCacheService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.dao.DataIntegrityViolationException;

/**
 * HAPI's resource type table ({@code HFJ_RESOURCE_TYPE}) as several servers on one database see it.
 * HAPI fills the table when it first starts on an empty database; two replicas starting together
 * both find it empty, both insert, and the later one failed on the table's unique index, which
 * stopped that server. Here the loser reads the rows the winner committed (its insert only fails
 * once the winner's transaction has committed) instead of giving up.
 */
final class SharedResourceTypeTable extends ResourceTypeCacheSvcImpl {

    /** The name of HAPI's bean ({@code JpaConfig#resourceTypeCacheSvc}) this class stands in for. */
    static final String BEAN_NAME = "resourceTypeCacheSvc";
    private static final Logger log = LoggerFactory.getLogger(SharedResourceTypeTable.class);

    SharedResourceTypeTable(IHapiTransactionService transactions, IResourceTypeDao dao, MemoryCacheService cache) {
        super(transactions, dao, cache);
    }

    @Override
    protected void initResourceTypes() {
        try {
            super.initResourceTypes();
        } catch (RuntimeException e) {
            if (!filledMeanwhile(e)) {
                throw e;
            }
            log.info("Another server filled the resource type table at the same moment: using its rows");
            super.initResourceTypes();
        }
    }

    /** A unique index violation, thrown as such at commit or wrapped by HAPI when the insert is flushed early. */
    private static boolean filledMeanwhile(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DataIntegrityViolationException) {
                return true;
            }
        }
        return false;
    }

    /** Puts this class in place of HAPI's bean of the same name, once HAPI's configuration is read. */
    static BeanDefinitionRegistryPostProcessor replacingHapisBean() {
        return HapiBeanReplacement.replacing(BEAN_NAME, SharedResourceTypeTable.class,
                "check how this HAPI version fills HFJ_RESOURCE_TYPE");
    }
}
