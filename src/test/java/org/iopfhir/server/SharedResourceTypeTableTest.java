package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.dao.data.IResourceTypeDao;
import ca.uhn.fhir.jpa.dao.tx.NonTransactionalHapiTransactionService;
import ca.uhn.fhir.jpa.model.entity.ResourceTypeEntity;
import ca.uhn.fhir.jpa.util.MemoryCacheService;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.dao.DataIntegrityViolationException;

class SharedResourceTypeTableTest {

    private final IResourceTypeDao dao = mock(IResourceTypeDao.class);
    private final MemoryCacheService cache = new MemoryCacheService(new JpaStorageSettings());
    private final SharedResourceTypeTable table =
            new SharedResourceTypeTable(new NonTransactionalHapiTransactionService(), dao, cache);

    @Test
    void theServerThatLosesTheRaceToFillTheTableUsesTheWinnersRows() {
        // Empty when this server looked; filled by the other server by the time it inserted.
        when(dao.findAll()).thenReturn(List.of()).thenReturn(List.of(type("Patient", 7), type("Encounter", 12)));
        when(dao.saveAll(anyList())).thenThrow(new DataIntegrityViolationException("idx_res_type_name"));

        table.start();

        assertThat(table.getResourceTypeId("Patient")).isEqualTo((short) 7);
        assertThat(table.getResourceTypeId("Encounter")).isEqualTo((short) 12);
    }

    @Test
    void aTableAlreadyFilledIsReadNotWritten() {
        when(dao.findAll()).thenReturn(List.of(type("Patient", 3)));

        table.start();

        assertThat(table.getResourceTypeId("Patient")).isEqualTo((short) 3);
        verify(dao, never()).saveAll(anyList());
    }

    @Test
    void aSecondFailureIsNotHidden() {
        when(dao.findAll()).thenReturn(List.of());
        when(dao.saveAll(anyList())).thenThrow(new DataIntegrityViolationException("disk full"));

        assertThatThrownBy(table::start).hasRootCauseInstanceOf(DataIntegrityViolationException.class);
        verify(dao, times(2)).saveAll(anyList());
    }

    @Test
    void takesThePlaceOfHapisBean() {
        DefaultListableBeanFactory registry = new DefaultListableBeanFactory();
        registry.registerBeanDefinition(SharedResourceTypeTable.BEAN_NAME, new RootBeanDefinition(Object.class));

        SharedResourceTypeTable.replacingHapisBean().postProcessBeanDefinitionRegistry(registry);

        assertThat(registry.getBeanDefinition(SharedResourceTypeTable.BEAN_NAME).getBeanClassName())
                .isEqualTo(SharedResourceTypeTable.class.getName());
    }

    @Test
    void refusesToStartWhenHapiNoLongerDefinesTheBean() {
        assertThatThrownBy(() -> SharedResourceTypeTable.replacingHapisBean()
                        .postProcessBeanDefinitionRegistry(new DefaultListableBeanFactory()))
                .hasMessageContaining(SharedResourceTypeTable.BEAN_NAME);
    }

    private static ResourceTypeEntity type(String name, int id) {
        ResourceTypeEntity entity = new ResourceTypeEntity();
        entity.setResourceType(name);
        entity.setResourceTypeId((short) id);
        return entity;
    }
}
