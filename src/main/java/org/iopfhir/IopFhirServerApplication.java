package org.iopfhir;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.data.jpa.JpaRepositoriesAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchClientAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration;
import org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The IOP FHIR server. HAPI brings Flyway, Elasticsearch, Thymeleaf, Quartz and its own JPA set-up
 * onto the classpath; Boot's auto-configuration for them is switched off because the
 * {@code server} package wires storage itself (schema by HAPI's migrator, not Flyway).
 */
@SpringBootApplication(exclude = {
    FlywayAutoConfiguration.class,
    ElasticsearchClientAutoConfiguration.class,
    ElasticsearchRestClientAutoConfiguration.class,
    HibernateJpaAutoConfiguration.class,
    JpaRepositoriesAutoConfiguration.class,
    ThymeleafAutoConfiguration.class,
    QuartzAutoConfiguration.class
})
@ConfigurationPropertiesScan
public class IopFhirServerApplication {

    public static void main(String[] args) {
        SpringApplication.run(IopFhirServerApplication.class, args);
    }
}
