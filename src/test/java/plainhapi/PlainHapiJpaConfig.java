package plainhapi;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.IDaoRegistry;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.config.util.ResourceCountCacheUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.provider.DaoRegistryResourceSupportedSvc;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.search.IStaleSearchDeletingSvc;
import ca.uhn.fhir.jpa.search.StaleSearchDeletingSvcImpl;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.util.ResourceCountCache;
import ca.uhn.fhir.rest.api.IResourceSupportedSvc;
import com.zaxxer.hikari.HikariDataSource;
import jakarta.persistence.EntityManagerFactory;
import java.util.Map;
import javax.sql.DataSource;
import org.hibernate.cfg.AvailableSettings;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * A plain HAPI FHIR JPA server's storage: HAPI's own R4 configuration classes on an in-memory H2 database,
 * Hibernate creating the schema, nothing of this project's server. The beans HAPI leaves to its host
 * (datasource, entity manager, transactions, storage settings, paging) are the stock ones.
 */
@Configuration
@EnableTransactionManagement
@Import({JpaR4Config.class, JpaBatch2Config.class, Batch2JobsConfig.class, SubscriptionChannelConfig.class,
        ThreadPoolFactoryConfig.class})
public class PlainHapiJpaConfig {

    @Bean(destroyMethod = "close")
    public DataSource dataSource() {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl("jdbc:h2:mem:plain-hapi-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        dataSource.setUsername("sa");
        dataSource.setMaximumPoolSize(20);
        return dataSource;
    }

    @Bean
    public JpaStorageSettings storageSettings() {
        JpaStorageSettings settings = new JpaStorageSettings();
        // HAPI's installer skips resources whose status is not active unless told otherwise; the guide is a draft.
        settings.setValidateResourceStatusForPackageUpload(false);
        return settings;
    }

    @Bean
    public PartitionSettings partitionSettings() {
        return new PartitionSettings();
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

    @Bean
    @Primary
    public LocalContainerEntityManagerFactoryBean entityManagerFactory(ConfigurableListableBeanFactory beanFactory,
            FhirContext fhirContext, JpaStorageSettings storageSettings, DataSource dataSource) {
        LocalContainerEntityManagerFactoryBean factory =
                HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
        factory.setPersistenceUnitName("PLAIN_HAPI_PU");
        factory.setDataSource(dataSource);
        factory.setJpaPropertyMap(Map.of(
                AvailableSettings.DIALECT, HapiFhirH2Dialect.class.getName(),
                AvailableSettings.HBM2DDL_AUTO, "create",
                "hibernate.search.enabled", "false"));
        return factory;
    }

    @Bean
    @Primary
    public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
        return new JpaTransactionManager(entityManagerFactory);
    }
}
