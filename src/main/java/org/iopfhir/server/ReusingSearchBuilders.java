package org.iopfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorBroadcaster;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.svc.IIdHelperService;
import ca.uhn.fhir.jpa.config.HapiFhirLocalContainerEntityManagerFactoryBean;
import ca.uhn.fhir.jpa.config.HibernatePropertiesProvider;
import ca.uhn.fhir.jpa.dao.ISearchBuilder;
import ca.uhn.fhir.jpa.dao.data.IResourceHistoryTableDao;
import ca.uhn.fhir.jpa.dao.data.IResourceTagDao;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.search.BatchResourceLoader;
import ca.uhn.fhir.jpa.search.builder.sql.SqlObjectFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionBuilder;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.orm.jpa.SharedEntityManagerCreator;

/**
 * Makes HAPI's search builders {@link ReusingSearchBuilder}s: HAPI asks the application context for a new
 * one ({@link ISearchBuilder#SEARCH_BUILDER_BEAN_NAME}, a prototype taking the resource name and type) per
 * search; this bean builds them with what HAPI's own factory method ({@code SearchConfig#newSearchBuilder})
 * passes.
 */
final class ReusingSearchBuilders {

    /** This factory's bean name. */
    static final String BEAN_NAME = "reusingSearchBuilders";
    private static final String MATCHES = "iop.search.matches.remembered";
    private static final String MATCHES_HELP = "Search matches loaded for the consent check, taken by the page"
            + " (reused) or loaded again as they had changed since";

    private final JpaStorageSettings storageSettings;
    private final HapiFhirLocalContainerEntityManagerFactoryBean entityManagerFactory;
    private final SqlObjectFactory sqlBuilderFactory;
    private final HibernatePropertiesProvider dialectProvider;
    private final ISearchParamRegistry searchParamRegistry;
    private final PartitionSettings partitionSettings;
    private final IInterceptorBroadcaster interceptorBroadcaster;
    private final IResourceTagDao resourceTagDao;
    private final DaoRegistry daoRegistry;
    private final FhirContext context;
    private final IIdHelperService<JpaPid> idHelperService;
    private final IResourceHistoryTableDao resourceHistoryTableDao;
    private final BatchResourceLoader batchResourceLoader;
    private final Counter reused;
    private final Counter reloaded;

    @SuppressWarnings("checkstyle:ParameterNumber")
    ReusingSearchBuilders(JpaStorageSettings storageSettings, HapiFhirLocalContainerEntityManagerFactoryBean entityManagerFactory,
            SqlObjectFactory sqlBuilderFactory, HibernatePropertiesProvider dialectProvider,
            ISearchParamRegistry searchParamRegistry, PartitionSettings partitionSettings,
            IInterceptorBroadcaster interceptorBroadcaster, IResourceTagDao resourceTagDao, DaoRegistry daoRegistry,
            FhirContext context, IIdHelperService<JpaPid> idHelperService, IResourceHistoryTableDao resourceHistoryTableDao,
            BatchResourceLoader batchResourceLoader, MeterRegistry meters) {
        this.reused = Counter.builder(MATCHES).tag("load", "reused").description(MATCHES_HELP).register(meters);
        this.reloaded = Counter.builder(MATCHES).tag("load", "changed-since").description(MATCHES_HELP).register(meters);
        this.storageSettings = storageSettings;
        this.entityManagerFactory = entityManagerFactory;
        this.sqlBuilderFactory = sqlBuilderFactory;
        this.dialectProvider = dialectProvider;
        this.searchParamRegistry = searchParamRegistry;
        this.partitionSettings = partitionSettings;
        this.interceptorBroadcaster = interceptorBroadcaster;
        this.resourceTagDao = resourceTagDao;
        this.daoRegistry = daoRegistry;
        this.context = context;
        this.idHelperService = idHelperService;
        this.resourceHistoryTableDao = CurrentVersionsQuery.wrap(resourceHistoryTableDao,
                SharedEntityManagerCreator.createSharedEntityManager(entityManagerFactory.getObject()));
        this.batchResourceLoader = batchResourceLoader;
    }

    ISearchBuilder newSearchBuilder(String resourceName, Class<? extends IBaseResource> resourceType) {
        return new ReusingSearchBuilder(resourceName, storageSettings, entityManagerFactory, sqlBuilderFactory,
                dialectProvider, searchParamRegistry, partitionSettings, interceptorBroadcaster, resourceTagDao, daoRegistry,
                context, idHelperService, resourceHistoryTableDao, batchResourceLoader, resourceType, reused, reloaded);
    }

    /** HAPI's prototype search builder bean, made by this factory. Start-up fails when HAPI no longer defines it. */
    static BeanDefinitionRegistryPostProcessor replacingHapisBean() {
        return registry -> {
            String name = ISearchBuilder.SEARCH_BUILDER_BEAN_NAME;
            if (!registry.containsBeanDefinition(name)) {
                throw new IllegalStateException("HAPI no longer defines the bean " + name
                        + ": check how this HAPI version creates search builders (SearchConfig, SearchBuilderFactory)");
            }
            registry.removeBeanDefinition(name);
            registry.registerBeanDefinition(name, BeanDefinitionBuilder.genericBeanDefinition()
                    .setFactoryMethodOnBean("newSearchBuilder", BEAN_NAME)
                    .setScope(BeanDefinition.SCOPE_PROTOTYPE)
                    .getBeanDefinition());
        };
    }
}
