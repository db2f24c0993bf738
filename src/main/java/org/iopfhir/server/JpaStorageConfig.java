package org.iopfhir.server;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.batch2.maintenance.JobMaintenanceServiceImpl;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorBroadcaster;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.svc.IIdHelperService;
import ca.uhn.fhir.jpa.config.HapiFhirLocalContainerEntityManagerFactoryBean;
import ca.uhn.fhir.jpa.config.HibernatePropertiesProvider;
import ca.uhn.fhir.jpa.dao.data.IResourceHistoryTableDao;
import ca.uhn.fhir.jpa.dao.data.IResourceTagDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.search.BatchResourceLoader;
import ca.uhn.fhir.jpa.search.builder.sql.SqlObjectFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.api.IDaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.config.util.ResourceCountCacheUtil;
import ca.uhn.fhir.jpa.provider.DaoRegistryResourceSupportedSvc;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.search.IStaleSearchDeletingSvc;
import ca.uhn.fhir.jpa.search.StaleSearchDeletingSvcImpl;
import ca.uhn.fhir.jpa.util.ResourceCountCache;
import ca.uhn.fhir.rest.api.IResourceSupportedSvc;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.hibernate.cfg.AvailableSettings;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.orm.jpa.JpaProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.SharedEntityManagerCreator;

/**
 * HAPI's JPA storage for R4 on the configured datasource, without Hibernate Search: HAPI's
 * {@code HapiJpaConfig} is not imported because its full-text service makes the terminology
 * service expand ValueSets through an index this server does not keep; the four beans it would
 * add otherwise are defined here. Batch2 (reindexing, $export) needs a
 * message broker even without subscriptions; the in-memory one from
 * {@link SubscriptionChannelConfig} serves, since batch2 coordinates replicas through the
 * database, not the broker.
 */
@Configuration
@Import({
    JpaR4Config.class,
    JpaBatch2Config.class,
    Batch2JobsConfig.class,
    SubscriptionChannelConfig.class,
    ThreadPoolFactoryConfig.class
})
@EnableConfigurationProperties(JpaProperties.class)
public class JpaStorageConfig {

    /**
     * Every pooled connection gets the statement timeout as it is opened. A post-processor must not
     * depend on other beans, so it reads its one setting from the environment itself.
     */
    @Bean
    public static BeanPostProcessor statementTimeout(Environment environment) {
        return new StatementTimeout(Binder.get(environment)
                .bindOrCreate("iop.server", IopServerProperties.class).statementTimeout());
    }

    /** Batch jobs move on every {@code iop.server.job-maintenance-interval} instead of every minute. */
    @Bean
    public static BeanPostProcessor jobMaintenanceInterval(Environment environment) {
        long millis = Binder.get(environment).bindOrCreate("iop.server", IopServerProperties.class)
                .jobMaintenanceInterval().toMillis();
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String beanName) {
                if (bean instanceof JobMaintenanceServiceImpl maintenance) {
                    maintenance.setScheduledJobFrequencyMillis(millis);
                }
                return bean;
            }
        };
    }

    /** HAPI's resource type table, filled safely when replicas start together on an empty database. */
    @Bean
    public static BeanDefinitionRegistryPostProcessor sharedResourceTypeTable() {
        return SharedResourceTypeTable.replacingHapisBean();
    }

    /** Stored versions, once built from their rows, are copied rather than parsed again ({@link ParsedResources}). */
    @Bean
    ParsedResources parsedResources(IopServerProperties properties, MeterRegistry meters) {
        return new ParsedResources(properties, meters);
    }

    /** Stored tags read as rows, with one cache of tag definitions, for reads and search pages alike. */
    @Bean
    StoredTags storedTags(JpaStorageSettings storageSettings, EntityManager entityManager) {
        return new StoredTags(storageSettings, entityManager);
    }

    @Bean
    public static BeanPostProcessor earlyFrozenConfiguration() {
        return new EarlyFrozenConfiguration();
    }

    @Bean
    public static BeanDefinitionRegistryPostProcessor reusingSearchBuilder() {
        return ReusingSearchBuilders.replacingHapisBean();
    }

    @Bean(ReusingSearchBuilders.BEAN_NAME)
    ReusingSearchBuilders reusingSearchBuilders(JpaStorageSettings storageSettings,
            HapiFhirLocalContainerEntityManagerFactoryBean entityManagerFactory, SqlObjectFactory sqlBuilderFactory,
            HibernatePropertiesProvider dialectProvider, ISearchParamRegistry searchParamRegistry,
            PartitionSettings partitionSettings, IInterceptorBroadcaster interceptorBroadcaster, IResourceTagDao resourceTagDao,
            DaoRegistry daoRegistry, FhirContext fhirContext, IIdHelperService<JpaPid> idHelperService,
            IResourceHistoryTableDao resourceHistoryTableDao, BatchResourceLoader batchResourceLoader, MeterRegistry meters) {
        return new ReusingSearchBuilders(storageSettings, entityManagerFactory, sqlBuilderFactory, dialectProvider,
                searchParamRegistry, partitionSettings, interceptorBroadcaster, resourceTagDao, daoRegistry, fhirContext,
                idHelperService, resourceHistoryTableDao, batchResourceLoader, meters);
    }

    @Bean
    public static BeanDefinitionRegistryPostProcessor cachingResourceParser() {
        return CachingResourceParser.replacingHapisBean();
    }

    @Bean
    public static BeanDefinitionRegistryPostProcessor cachingBatchResourceLoader() {
        return CachingBatchResourceLoader.replacingHapisBean();
    }

    @Bean
    public Database database(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return Database.fromJdbcUrl(connection.getMetaData().getURL());
        }
    }

    @Bean
    public JpaStorageSettings storageSettings() {
        JpaStorageSettings settings = new JpaStorageSettings();
        // A client that writes and then searches must see its write: no reuse of cached result sets.
        settings.setReuseCachedSearchResultsForMillis(null);
        settings.setAllowMultipleDelete(false);
        settings.setExpungeEnabled(false);
        // Pre-expansion of ValueSets runs on Hibernate Search, which this server does not run;
        // our ValueSets are small and expand in memory on request.
        settings.setPreExpandValueSets(false);
        // Server-assigned ids are random UUIDs: a sequential id would let a caller guess and count records.
        settings.setResourceServerIdStrategy(JpaStorageSettings.IdStrategyEnum.UUID);
        // Tags and security labels belong to the resource, not a version: a 42 CFR Part 2 label added to a
        // record protects all its earlier versions too (history, vread).
        settings.setTagStorageMode(JpaStorageSettings.TagStorageModeEnum.NON_VERSIONED);
        // Batch entries run one after another: they share the request's state (caller, decisions).
        settings.setBundleBatchPoolSize(1);
        settings.setBundleBatchMaxPoolSize(1);
        // Every bulk export is run afresh: a finished export reused for the same request would disclose
        // what consent allowed when it ran, not what it allows now.
        settings.setEnableBulkExportJobReuse(false);
        return settings;
    }

    /** Stored resources found with a query Hibernate translates once ({@link ReferenceTargets}). */
    @Bean
    public ReferenceTargets referenceTargets(FhirContext fhirContext, EntityManagerFactory entityManagerFactory) {
        return new ReferenceTargets(fhirContext, SharedEntityManagerCreator.createSharedEntityManager(entityManagerFactory));
    }

    /** Every write's reference targets, found before HAPI looks them up itself. */
    @Bean
    public FhirEndpointFeature referenceTargetsOfWrites(ReferenceTargets targets) {
        return new FhirEndpointFeature(List.of(), List.of(), List.of(targets));
    }

    @Bean
    public IStaleSearchDeletingSvc staleSearchDeletingSvc() {
        return new StaleSearchDeletingSvcImpl();
    }

    @Bean
    public DatabaseBackedPagingProvider databaseBackedPagingProvider() {
        return new DatabaseBackedPagingProvider();
    }

    @Bean
    public IResourceSupportedSvc resourceSupportedSvc(IDaoRegistry daoRegistry) {
        return new DaoRegistryResourceSupportedSvc(daoRegistry);
    }

    @Bean(name = "myResourceCountsCache")
    public ResourceCountCache resourceCountsCache(IFhirSystemDao<?, ?> systemDao) {
        return ResourceCountCacheUtil.newResourceCountCache(systemDao);
    }

    /** One unpartitioned repository. */
    @Bean
    public PartitionSettings partitionSettings() {
        return new PartitionSettings();
    }

    /**
     * The schema is migrated here, before Hibernate starts; Hibernate never changes it. The test
     * suite turns on Hibernate's schema validation (about 1.5 s of start-up) to prove the
     * migrated schema matches the entities. {@code spring.jpa.properties.*} override the defaults.
     */
    @Bean
    @Primary
    public LocalContainerEntityManagerFactoryBean entityManagerFactory(
            ConfigurableListableBeanFactory beanFactory,
            FhirContext fhirContext,
            JpaStorageSettings storageSettings,
            DataSource dataSource,
            Database database,
            JpaProperties jpaProperties) {
        SchemaMigration.migrate(dataSource, database);

        LocalContainerEntityManagerFactoryBean factory =
                HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
        factory.setPersistenceUnitName("HAPI_PU");
        factory.setDataSource(dataSource);

        Map<String, Object> properties = new HashMap<>();
        properties.put(AvailableSettings.DIALECT, database.hibernateDialect());
        properties.put(AvailableSettings.HBM2DDL_AUTO, "none");
        properties.put(AvailableSettings.STATEMENT_BATCH_SIZE, "30");
        properties.put(AvailableSettings.ORDER_INSERTS, "true");
        properties.put(AvailableSettings.USE_SECOND_LEVEL_CACHE, "false");
        properties.put(AvailableSettings.USE_QUERY_CACHE, "false");
        properties.put("hibernate.search.enabled", "false");
        properties.putAll(jpaProperties.getProperties());
        factory.setJpaPropertyMap(properties);
        return factory;
    }

    @Bean
    @Primary
    public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
        return new JpaTransactionManager(entityManagerFactory);
    }
}
